/**
 * The voting strategies this hub computes itself (Snapshot computes strategies on its score API;
 * these two read the platform's own contracts through viem):
 *
 * - `caravan-receipts`: contribution receipts' votes (`Receipts.getPastVotes`), weighed as the Governor
 *   weighs them (`params.governor`: its `getReceiptVotes`, receipts together worth `receiptVoteBps` of the
 *   vote), or else times a fixed `params.weight`; in `params.decimals`.
 * - `erc20-votes`: the governance token's delegated votes (`CaravanToken.getPastVotes`), in `params.decimals`.
 */
export const RECEIPTS_STRATEGY = 'caravan-receipts';
export const TOKEN_STRATEGY = 'erc20-votes';

export const SUPPORTED_STRATEGIES: readonly string[] = [RECEIPTS_STRATEGY, TOKEN_STRATEGY];
