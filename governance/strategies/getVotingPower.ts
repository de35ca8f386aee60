import { formatUnits, getAddress, parseAbi, type Address, type Chain, type PublicClient, type Transport } from 'viem';
import { BaseError, ChainError, InputError } from '../../platform/errors.ts';
import { RECEIPTS_STRATEGY, TOKEN_STRATEGY } from './strategyNames.ts';

/** A strategy as a space's settings (and a proposal) carry it. */
export type Strategy = { name: string; network?: string | undefined; params?: Record<string, unknown> | undefined };

export type GetVotingPowerParameters = {
  /** The principal whose votes count (never an alias). */
  address: Address;
  strategies: readonly Strategy[];
  /** The proposal's snapshot block. */
  snapshot: number;
};

export type VotingPower = {
  /** Exact total in 18-decimal units (token wei plus weighted receipt shares). */
  vpExact: bigint;
  /** Each strategy's exact part, in 18-decimal units. */
  exactByStrategy: bigint[];
  /** Snapshot's numbers: each strategy's score (units ÷ 10^decimals). */
  vpByStrategy: number[];
  /** Snapshot's `vp`: the sum of `vpByStrategy`. */
  vp: number;
};

export type GetVotingPowerErrorType = InputError | ChainError;

const votesAbi = parseAbi([
  'function getPastVotes(address account, uint256 timepoint) view returns (uint256)',
  'function getVotes(address account) view returns (uint256)',
  'function totalSupply() view returns (uint256)',
  'function totalVotingUnits() view returns (uint256)',
]);
const governorAbi = parseAbi([
  'function getReceiptVotes(address account, uint256 timepoint) view returns (uint256)',
  'function receiptVoteBps() view returns (uint256)',
  'function token() view returns (address)',
]);
const BPS = 10_000n;

const bigintParam = (v: unknown, fallback: bigint): bigint => {
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  throw new InputError(`Strategy parameter ${String(v)} is not a whole number.`);
};

/**
 * Voting power of `address` at the proposal's snapshot block, per strategy, exactly: votes read
 * with `getPastVotes` (or `getVotes` at that block when it is the chain's latest, which
 * `getPastVotes` refuses), never anything later. Receipts with `params.governor` weigh what the
 * Governor counts for them on chain (`getReceiptVotes`); without it, `getPastVotes` × `params.weight`.
 *
 * @example
 * const vp = await getVotingPower({ publicClient }, { address, strategies: space.strategies, snapshot: 1234 });
 */
export async function getVotingPower(
  deps: { publicClient: PublicClient<Transport, Chain> },
  { address, strategies, snapshot }: GetVotingPowerParameters,
): Promise<VotingPower> {
  const head = Number(await deps.publicClient.getBlockNumber({ cacheTime: 0 }));
  const blockNumber = BigInt(snapshot);
  const read = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (cause) {
      throw new ChainError(`Could not read ${what} at block ${snapshot}.`, { cause, retryable: true });
    }
  };
  const readVotes = (contract: Address): Promise<bigint> =>
    read(`votes from ${contract}`, () =>
      snapshot < head
        ? deps.publicClient.readContract({ address: contract, abi: votesAbi, functionName: 'getPastVotes', args: [address, blockNumber] })
        : deps.publicClient.readContract({ address: contract, abi: votesAbi, functionName: 'getVotes', args: [address], blockNumber }),
    );
  /**
   * Receipt votes as the Governor counts them (`getReceiptVotes`: receipt units priced so all receipts
   * together weigh `receiptVoteBps` of the vote). At the chain's latest block, which `getPast*` refuse,
   * the same formula is computed from that block's state (`totalSupply`, `totalVotingUnits`).
   */
  const readGovernorReceiptVotes = (governor: Address, receipts: Address): Promise<bigint> =>
    read(`receipt votes from ${governor}`, async () => {
      if (snapshot < head)
        return deps.publicClient.readContract({ address: governor, abi: governorAbi, functionName: 'getReceiptVotes', args: [address, blockNumber] });
      const at = { blockNumber } as const;
      const units = await deps.publicClient.readContract({ address: receipts, abi: votesAbi, functionName: 'getVotes', args: [address], ...at });
      if (units === 0n) return 0n;
      const [bps, token, totalUnits] = await Promise.all([
        deps.publicClient.readContract({ address: governor, abi: governorAbi, functionName: 'receiptVoteBps', ...at }),
        deps.publicClient.readContract({ address: governor, abi: governorAbi, functionName: 'token', ...at }),
        deps.publicClient.readContract({ address: receipts, abi: votesAbi, functionName: 'totalVotingUnits', ...at }),
      ]);
      const tokenSupply = await deps.publicClient.readContract({ address: token, abi: votesAbi, functionName: 'totalSupply', ...at });
      return (units * (tokenSupply * bps)) / (totalUnits * (BPS - bps));
    });
  const parts = await Promise.all(
    strategies.map(async (s) => {
      if (s.name !== RECEIPTS_STRATEGY && s.name !== TOKEN_STRATEGY) throw new InputError(`Unknown voting strategy "${s.name}".`);
      const contract = s.params?.address;
      if (typeof contract !== 'string') throw new InputError(`Strategy "${s.name}" has no contract address.`);
      const decimals = Number(bigintParam(s.params?.decimals, 18n));
      if (decimals > 18) throw new InputError(`Strategy "${s.name}" has more than 18 decimals.`);
      const governor = s.params?.governor;
      const units =
        s.name === RECEIPTS_STRATEGY && typeof governor === 'string'
          ? await readGovernorReceiptVotes(getAddress(governor), getAddress(contract))
          : (await readVotes(getAddress(contract))) * (s.name === RECEIPTS_STRATEGY ? bigintParam(s.params?.weight, 1n) : 1n);
      return { exact: units * 10n ** BigInt(18 - decimals), score: Number(formatUnits(units, decimals)) };
    }),
  );
  const vpByStrategy = parts.map((p) => p.score);
  return {
    vpExact: parts.reduce((a, p) => a + p.exact, 0n),
    exactByStrategy: parts.map((p) => p.exact),
    vpByStrategy,
    vp: vpByStrategy.reduce((a, b) => a + b, 0),
  };
}

/** Whether an error from {@link getVotingPower} is the space's fault (bad strategy) rather than the chain's. */
export const isStrategyError = (err: unknown): boolean => err instanceof InputError || (err instanceof BaseError && !err.retryable);
