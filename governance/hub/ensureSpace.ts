import { eq } from 'drizzle-orm';
import { getAddress, parseAbi, type Address, type Chain, type PublicClient, type Transport } from 'viem';
import type { Db } from '../../platform/db/client.ts';
import { hubSpaces } from '../../platform/db/schema.ts';
import { RECEIPTS_STRATEGY, TOKEN_STRATEGY } from '../strategies/strategyNames.ts';
import { validateSpaceSettings } from './validateSpaceSettings.ts';
import type { SpaceSettings } from './types.ts';

export type EnsureSpaceParameters = {
  /** The space id (`SNAPSHOT_SPACE`, default `caravan.eth`). */
  id: string;
  addresses: { receipts: Address; token?: Address | undefined; governor?: Address | undefined; handoverCharter?: Address | undefined };
  /** Who controls the space when the charter names no Foundation (the operator). */
  fallbackController: Address;
  now?: number | undefined;
};

/**
 * The platform's default space's settings: both strategies on this chain — receipts weighed as the
 * Governor weighs them (`getReceiptVotes`, so off-chain and on-chain votes weigh the same), and the token's
 * delegated votes — any voting type, no fixed delay or period (chat proposals pick their own duration),
 * anyone with voting power may propose, and aliases may vote (custodial and linked users vote
 * through a platform-held alias key).
 */
export function defaultSpaceSettings(params: {
  chainId: number;
  receipts: Address;
  token?: Address | undefined;
  /** The Governor whose `getReceiptVotes` weighs receipts; without one, receipts count `receiptWeight` each. */
  governor?: Address | undefined;
  receiptWeight?: bigint | undefined;
  controller: Address;
}): SpaceSettings {
  const network = String(params.chainId);
  return {
    name: 'Caravan',
    about: 'Proposals and votes of the Caravan community: contributors (receipts) and token holders.',
    network,
    symbol: 'VOTE',
    strategies: [
      {
        name: RECEIPTS_STRATEGY,
        network,
        params: {
          address: params.receipts,
          symbol: 'RCPT',
          decimals: 18,
          ...(params.governor ? { governor: params.governor } : { weight: (params.receiptWeight ?? 1n).toString() }),
        },
      },
      ...(params.token ? [{ name: TOKEN_STRATEGY, network, params: { address: params.token, symbol: 'CARA', decimals: 18 } }] : []),
    ],
    admins: [params.controller],
    members: [],
    moderators: [],
    filters: { minScore: 0, onlyMembers: false },
    validation: { name: 'any', params: {} },
    voteValidation: { name: 'any', params: {} },
    voting: { delay: 0, period: 0, type: '', quorum: 0, aliased: true, privacy: '' },
    plugins: {},
  };
}

/**
 * Creates the default space when it does not exist (an existing one is left as its controller set
 * it). Its controller is the Foundation (HandoverCharter's `foundation()`): the space speaks for the
 * same authority that governs on chain in the Foundation phase; the operator only when no charter
 * answers (a deployment without one).
 *
 * @returns whether the space was created.
 */
export async function ensureSpace(
  deps: { db: Db; chain: { chainId: number; publicClient: PublicClient<Transport, Chain> } },
  params: EnsureSpaceParameters,
): Promise<{ created: boolean; controller: Address }> {
  const id = params.id.toLowerCase();
  const [existing] = await deps.db.select({ controller: hubSpaces.controller }).from(hubSpaces).where(eq(hubSpaces.id, id));
  if (existing) return { created: false, controller: getAddress(existing.controller) };
  const read = async <T>(address: Address | undefined, signature: string, fn: string): Promise<T | undefined> => {
    if (!address) return undefined;
    try {
      return (await deps.chain.publicClient.readContract({ address, abi: parseAbi([signature]), functionName: fn })) as T;
    } catch {
      return undefined;
    }
  };
  const foundation = await read<Address>(params.addresses.handoverCharter, 'function foundation() view returns (address)', 'foundation');
  const controller = getAddress(foundation ?? params.fallbackController);
  // A Governor that prices receipt votes (receiptVoteBps) weighs them; an older one had a fixed weight.
  const pricing = await read<bigint>(params.addresses.governor, 'function receiptVoteBps() view returns (uint256)', 'receiptVoteBps');
  const receiptWeight = (await read<bigint>(params.addresses.governor, 'function receiptVoteWeight() view returns (uint256)', 'receiptVoteWeight')) ?? 1n;
  const settings = validateSpaceSettings(
    defaultSpaceSettings({
      chainId: deps.chain.chainId,
      receipts: params.addresses.receipts,
      token: params.addresses.token,
      governor: pricing !== undefined ? params.addresses.governor : undefined,
      receiptWeight,
      controller,
    }),
    { chainId: deps.chain.chainId },
  );
  const now = params.now ?? Math.floor(Date.now() / 1000);
  const inserted = await deps.db.insert(hubSpaces).values({ id, settings, controller, created: now, updated: now }).onConflictDoNothing().returning({ id: hubSpaces.id });
  return { created: inserted.length > 0, controller };
}
