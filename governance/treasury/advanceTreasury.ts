import { keccak256, parseEventLogs, toBytes, type Hex } from 'viem';
import { caravanGovernorAbi, handoverCharterAbi } from '../../contracts/bindings/index.ts';
import { sendOnce } from '../../platform/chain/sendOnce.ts';
import { treasuryContracts } from './contracts.ts';
import { readDao } from './readDao.ts';
import { readTreasuryProposals } from './readTreasuryProposals.ts';
import type { Phase, TreasuryDeps, TreasuryProposal } from './types.ts';

/** One step the lifecycle made. */
export type TreasuryStep =
  | { kind: 'queued'; proposal: TreasuryProposal; txHash: Hex; /** Unix seconds from which it can be executed. */ eta: number }
  | { kind: 'executed'; proposal: TreasuryProposal; txHash: Hex }
  | { kind: 'phase'; to: Phase; txHash: Hex };

/**
 * The treasury's lifecycle, one pass (the indexer's job runs it after each pass; anyone could make
 * these calls, the operator makes them): a phase move of the charter that is due (TRANSITION from
 * its earliest date, DAO once the handover is due), a passed proposal queued into the timelock, a
 * queued one executed once its delay is over. Each transaction is sent at most once per proposal
 * and step (`sendOnce` keys), so passes that overlap or repeat after a crash send nothing twice. A
 * step that would revert is logged and tried again next pass; the others go on.
 */
export async function advanceTreasury(deps: Pick<TreasuryDeps, 'db' | 'chain' | 'currencies' | 'log'>): Promise<TreasuryStep[]> {
  const { governor, charter } = treasuryContracts(deps);
  const steps: TreasuryStep[] = [];
  const log = deps.log.child({ task: 'treasury' });
  const dao = await readDao(deps);
  if (dao.moveDue) {
    try {
      const receipt = await sendOnce(deps, { key: `charter:${deps.chain.chainId}:${charter}:${dao.moveDue}`, address: charter, abi: handoverCharterAbi, functionName: dao.moveDue, args: [] });
      steps.push({ kind: 'phase', to: dao.moveDue === 'startTransition' ? 'TRANSITION' : 'DAO', txHash: receipt.transactionHash });
      dao.phase = dao.moveDue === 'startTransition' ? 'TRANSITION' : 'DAO';
    } catch (err) {
      log.warn({ err, move: dao.moveDue }, 'could not move the charter to its next phase; trying again next pass');
    }
  }
  for (const p of await readTreasuryProposals(deps, { open: true })) {
    const step = p.state === 'Succeeded' && dao.phase !== 'FOUNDATION' ? 'queue' : p.state === 'Queued' && p.eta > 0 && p.eta <= dao.now ? 'execute' : undefined;
    if (!step) continue;
    try {
      const receipt = await sendOnce(deps, {
        key: `treasury-${step}:${deps.chain.chainId}:${p.id}`,
        address: governor,
        abi: caravanGovernorAbi,
        functionName: step,
        args: [p.targets, p.values, p.calldatas, keccak256(toBytes(p.description))],
      });
      if (step === 'queue') {
        const [queued] = parseEventLogs({ abi: caravanGovernorAbi, logs: receipt.logs, eventName: 'ProposalQueued' });
        steps.push({ kind: 'queued', proposal: p, txHash: receipt.transactionHash, eta: Number(queued?.args.etaSeconds ?? 0n) });
      } else steps.push({ kind: 'executed', proposal: p, txHash: receipt.transactionHash });
      log.info({ proposalId: p.id.toString(), step }, `treasury proposal ${step === 'queue' ? 'queued' : 'executed'}`);
    } catch (err) {
      log.warn({ err, proposalId: p.id.toString(), step }, 'treasury step failed; trying again next pass');
    }
  }
  return steps;
}
