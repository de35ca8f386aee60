import { snapshotjs as snapshot } from '../snapshotjs.ts';
import { SUPPORTED_STRATEGIES } from '../strategies/strategyNames.ts';
import { refuse } from './errors.ts';
import type { SpaceSettings } from './types.ts';

type AjvError = { keyword: string; message?: string; instancePath?: string };

/**
 * Snapshot's space checks (`validateSpaceSettings`): a deleted space is refused; the settings must
 * fit snapshot.js's space schema. Networks: this hub reads one chain, so `network` (and each
 * strategy's) must be its chain id — which Snapshot's network list may not know (31337), so that
 * one schema error is forgiven for it and every other network is `network not allowed`. Strategies
 * must be ones the hub computes.
 */
export function validateSpaceSettings(settings: unknown, params: { chainId: number; deleted?: number | undefined }): SpaceSettings {
  if (params.deleted) refuse('space deleted, contact admin');
  const network = String(params.chainId);
  const result = snapshot.utils.validateSchema(snapshot.schemas.space, settings, { spaceType: 'default', snapshotEnv: 'testnet' }) as true | AjvError[];
  if (result !== true) {
    // Networks are checked below, against this hub's chain.
    if (result.some((e) => e.keyword !== 'snapshotNetwork')) refuse('wrong space format');
  }
  const s = settings as SpaceSettings;
  if (s.network !== network || s.strategies.some((st) => st.network !== undefined && st.network !== network)) refuse('network not allowed');
  if (s.strategies.some((st) => !SUPPORTED_STRATEGIES.includes(st.name))) refuse('wrong space format');
  return s;
}
