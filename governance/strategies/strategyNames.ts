/**
 * The voting strategies this hub computes itself (Snapshot computes strategies on its score API;
 * these two read the platform's own contracts through viem):
 *
 * - `caravan-receipts`: contribution receipts' votes (`Receipts.getPastVotes`), times `params.weight`
 *   (the Governor's `receiptVoteWeight`, so a share weighs what it weighs on chain), in `params.decimals`.
 * - `erc20-votes`: the governance token's delegated votes (`CaravanToken.getPastVotes`), in `params.decimals`.
 */
export const RECEIPTS_STRATEGY = 'caravan-receipts';
export const TOKEN_STRATEGY = 'erc20-votes';

export const SUPPORTED_STRATEGIES: readonly string[] = [RECEIPTS_STRATEGY, TOKEN_STRATEGY];
