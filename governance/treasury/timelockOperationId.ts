import { keccak256, toBytes, toHex, type Hex } from 'viem';
import { caravanTimelockAbi } from '../../contracts/bindings/index.ts';
import { treasuryContracts } from './contracts.ts';
import type { TreasuryDeps, TreasuryProposal } from './types.ts';

/**
 * The timelock operation a queued proposal became: the governor schedules it as one batch, with no
 * predecessor and the salt `bytes20(governor) ^ keccak256(description)` (GovernorCharterControl).
 */
export async function timelockOperationId(deps: Pick<TreasuryDeps, 'chain'>, p: Pick<TreasuryProposal, 'targets' | 'values' | 'calldatas' | 'description'>): Promise<Hex> {
  const { governor, timelock } = treasuryContracts(deps);
  const salt = toHex((BigInt(governor) << 96n) ^ BigInt(keccak256(toBytes(p.description))), { size: 32 });
  return deps.chain.publicClient.readContract({
    address: timelock,
    abi: caravanTimelockAbi,
    functionName: 'hashOperationBatch',
    args: [p.targets, p.values, p.calldatas, toHex(0n, { size: 32 }), salt],
  });
}
