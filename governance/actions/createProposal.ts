import { chatSigner } from '../alias/chatSigner.ts';
import { InputError } from '../../platform/errors.ts';
import { createHubClient } from './hubClient.ts';
import { PROPOSAL_TYPES, type GovernanceDeps, type ProposalType } from './types.ts';

export type CreateProposalParameters = {
  userId: number;
  title: string;
  body: string;
  type: ProposalType;
  choices: string[];
  /** How long voting stays open, from now. */
  durationSeconds: number;
};

/** Voting lasts at least an hour and at most 30 days. */
export const MIN_DURATION_S = 3600;
export const MAX_DURATION_S = 30 * 86_400;

/**
 * Creates a proposal in the platform's space, signed by the user's custodial key with Snapshot's
 * own client and checked by the hub like any other message: voting opens now and closes after
 * `durationSeconds`; voting power is read at the current block. Returns the proposal id.
 */
export async function createProposal(deps: GovernanceDeps, params: CreateProposalParameters): Promise<{ id: string }> {
  if (!(PROPOSAL_TYPES as readonly string[]).includes(params.type)) throw new InputError(`The voting type must be one of: ${PROPOSAL_TYPES.join(', ')}.`);
  const choices = params.choices.map((c) => c.trim()).filter(Boolean);
  if (params.type === 'basic' && (choices.length < 2 || choices.length > 3)) throw new InputError('A basic proposal has 2 or 3 choices (For, Against[, Abstain]).');
  if (choices.length < 2) throw new InputError('A proposal needs at least 2 choices.');
  if (new Set(choices).size !== choices.length) throw new InputError('Each choice must be different.');
  if (params.durationSeconds < MIN_DURATION_S || params.durationSeconds > MAX_DURATION_S) throw new InputError('Voting can last from 1 hour to 30 days.');
  const { account, from } = await chatSigner(deps, params.userId);
  const now = Math.floor(deps.hub.now?.() ?? Date.now() / 1000);
  const snapshot = Number(await deps.hub.chain.publicClient.getBlockNumber({ cacheTime: 0 }));
  const receipt = await createHubClient(deps.hub, account).proposal({
    from,
    space: deps.space,
    type: params.type,
    title: params.title.trim(),
    body: params.body.trim(),
    discussion: '',
    choices,
    labels: [],
    start: now,
    end: now + params.durationSeconds,
    snapshot,
    plugins: '{}',
    app: 'caravan',
    timestamp: now,
  });
  return { id: receipt.id };
}
