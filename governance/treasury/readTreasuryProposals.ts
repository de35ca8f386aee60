import { and, desc, eq, sql } from 'drizzle-orm';
import type { Address, Hex } from 'viem';
import { caravanGovernorAbi } from '../../contracts/bindings/index.ts';
import { chainEvents } from '../../platform/db/schema.ts';
import { treasuryContracts } from './contracts.ts';
import { describeActions } from './describeActions.ts';
import { treasuryCurrencies } from './readDao.ts';
import { PROPOSAL_STATES, type TreasuryDeps, type TreasuryProposal } from './types.ts';

const parseList = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as string[]) : []);

/** The title of a proposal description: its first line, without a Markdown heading mark. */
export const titleOf = (description: string) => (description.split('\n')[0] ?? '').replace(/^#+\s*/, '').trim() || '(untitled)';

/**
 * Treasury proposals of this chain's governor, newest first: what `ProposalCreated` recorded (the
 * indexer keeps it reorg-safe), with the state, votes, quorum and eta the governor reports now.
 * `id` picks one; `open` keeps those not yet executed, cancelled, defeated or expired.
 */
export async function readTreasuryProposals(
  deps: Pick<TreasuryDeps, 'db' | 'chain' | 'currencies'>,
  params: { id?: bigint; open?: boolean; limit?: number } = {},
): Promise<TreasuryProposal[]> {
  const { governor, token } = treasuryContracts(deps);
  const rows = await deps.db
    .select({ args: chainEvents.args })
    .from(chainEvents)
    .where(
      and(
        eq(chainEvents.chainId, deps.chain.chainId),
        eq(chainEvents.contract, 'governor'),
        eq(chainEvents.name, 'ProposalCreated'),
        ...(params.id !== undefined ? [sql`${chainEvents.args}->>'proposalId' = ${params.id.toString()}`] : []),
        // Open ones only: those the indexer saw executed or cancelled on the governor are not read from the chain again.
        ...(params.open
          ? [
              sql`not exists (select 1 from ${chainEvents} done where done.chain_id = ${deps.chain.chainId} and done.contract = 'governor'
                and done.name in ('ProposalExecuted', 'ProposalCanceled') and done.args->>'proposalId' = ${chainEvents.args}->>'proposalId')`,
            ]
          : []),
      ),
    )
    .orderBy(desc(chainEvents.blockNumber), desc(chainEvents.logIndex))
    .limit(params.open ? 500 : (params.limit ?? 25));
  const currencies = treasuryCurrencies(deps, token);
  const pc = deps.chain.publicClient;
  const g = { address: governor, abi: caravanGovernorAbi } as const;
  const proposals = await Promise.all(
    rows.map(async ({ args }) => {
      const id = BigInt(args.proposalId as string);
      const targets = parseList(args.targets) as Address[];
      const values = parseList(args.values).map(BigInt);
      const calldatas = parseList(args.calldatas) as Hex[];
      const voteStart = BigInt(args.voteStart as string);
      const [state, [against, forVotes, abstain], eta, quorum] = await Promise.all([
        pc.readContract({ ...g, functionName: 'state', args: [id] }),
        pc.readContract({ ...g, functionName: 'proposalVotes', args: [id] }),
        pc.readContract({ ...g, functionName: 'proposalEta', args: [id] }),
        // The quorum is fixed at the snapshot; before it is mined the governor cannot say it yet.
        pc.readContract({ ...g, functionName: 'quorum', args: [voteStart] }).catch(() => 0n),
      ]);
      const description = String(args.description);
      return {
        id,
        proposer: args.proposer as Address,
        targets,
        values,
        calldatas,
        description,
        title: titleOf(description),
        voteStart,
        voteEnd: BigInt(args.voteEnd as string),
        state: PROPOSAL_STATES[Number(state)] ?? 'Pending',
        votes: { for: forVotes, against, abstain },
        quorum,
        eta: Number(eta),
        actions: describeActions({ targets, values, calldatas }, currencies),
      } satisfies TreasuryProposal;
    }),
  );
  const finished = new Set(['Canceled', 'Defeated', 'Expired', 'Executed']);
  return (params.open ? proposals.filter((p) => !finished.has(p.state)) : proposals).slice(0, params.limit ?? 25);
}
