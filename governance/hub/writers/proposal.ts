import { snapshotjs as snapshot } from '../../snapshotjs.ts';
import type { DbOrTx } from '../../../platform/db/client.ts';
import { hubProposals } from '../../../platform/db/schema.ts';
import { getVotingPower } from '../../strategies/getVotingPower.ts';
import { votingClass } from '../../tally/votingClasses.ts';
import { refuse } from '../errors.ts';
import { kebabCase } from '../kebabCase.ts';
import type { SpaceSettings, Writer } from '../types.ts';

/** Longest proposal body and most choices (Snapshot's limits for a space that is not "turbo"). */
export const PROPOSAL_BODY_LIMIT = 10_000;
export const PROPOSAL_CHOICES_LIMIT = 500;

/** Snapshot's proposal payload, built from the signed message as the sequencer builds it. */
export type ProposalPayload = {
  name: string;
  body: string;
  discussion: string;
  choices: string[];
  labels: string[];
  start: number;
  end: number;
  snapshot: number;
  metadata: { plugins: Record<string, unknown> };
  type: string;
  app: string;
  privacy: string;
};

/** Parses the signed `plugins` JSON; a malformed one is a malformed proposal. */
export function parsePlugins(plugins: unknown): Record<string, unknown> {
  try {
    const p = JSON.parse(String(plugins ?? '{}')) as unknown;
    if (p && typeof p === 'object' && !Array.isArray(p)) return p as Record<string, unknown>;
  } catch {}
  return refuse('wrong proposal format');
}

/** Snapshot's `validateChoices`: a type and at least one choice; `basic` has 2 or 3. */
export const validChoices = (type: string, choices: unknown[]): boolean =>
  Boolean(type) && choices.length > 0 && (type !== 'basic' || choices.length === 2 || choices.length === 3);

/**
 * A new proposal (Snapshot's `proposal` writer), checked in the sequencer's order: the proposal
 * schema (name 1–256, choices, body and choice-count limits, a type the hub counts), the end in the
 * future, `basic`'s 2–3 choices, the space's voting delay, period and type, who may propose (members
 * when `filters.onlyMembers`; else `validation`: `any`, or `basic` with a `minScore` of voting power
 * now), and a snapshot block that has happened. Snapshot's per-space proposal quotas are not applied.
 */
export const proposalWriter: Writer<{ payload: ProposalPayload; settings: SpaceSettings }> = {
  async verify(deps, ctx) {
    const m = ctx.message;
    const settings = ctx.space!.settings;
    const payload: ProposalPayload = {
      name: m.title as string,
      body: m.body as string,
      discussion: (m.discussion as string) || '',
      choices: m.choices as string[],
      labels: (m.labels as string[] | undefined) ?? [],
      start: m.start as number,
      end: m.end as number,
      snapshot: m.snapshot as number,
      metadata: { plugins: parsePlugins(m.plugins) },
      type: (m.type as string) || 'single-choice',
      app: kebabCase(String(m.app ?? '')),
      privacy: String(m.privacy ?? ''),
    };
    const { labels: _labels, privacy: _privacy, ...schemaPayload } = payload;
    if (
      snapshot.utils.validateSchema(snapshot.schemas.proposal, schemaPayload, { spaceType: 'default', snapshotEnv: 'testnet' }) !== true ||
      payload.body.length > PROPOSAL_BODY_LIMIT ||
      payload.choices.length > PROPOSAL_CHOICES_LIMIT ||
      !votingClass(payload.type) ||
      payload.privacy !== ''
    )
      refuse('wrong proposal format');
    if (payload.end <= ctx.now) refuse('proposal end date must be in the future');
    if (!validChoices(payload.type, payload.choices)) refuse('wrong choices for basic type voting');
    const voting = settings.voting ?? {};
    if (voting.delay && payload.start !== ctx.timestamp + voting.delay) refuse('invalid voting delay');
    if (voting.period && payload.end - payload.start !== voting.period) refuse('invalid voting period');
    if (voting.type && payload.type !== voting.type) refuse('invalid voting type');

    const author = ctx.from.toLowerCase();
    const members = [...(settings.members ?? []), ...(settings.admins ?? []), ...(settings.moderators ?? [])].map((a) => a.toLowerCase());
    const isAuthorized = members.includes(author);
    if (settings.filters?.onlyMembers && !isAuthorized) refuse('only space authors can propose');
    if (!isAuthorized) {
      const name = settings.validation?.name || 'basic';
      const minScore = Number(settings.validation?.params?.minScore ?? settings.filters?.minScore ?? 0);
      if (name !== 'any' && !(name === 'basic' && !minScore)) {
        if (name !== 'basic') refuse('failed to check validation');
        let score: number;
        try {
          const head = Number(await deps.chain.publicClient.getBlockNumber({ cacheTime: 0 }));
          score = (await getVotingPower({ publicClient: deps.chain.publicClient }, { address: ctx.from, strategies: settings.strategies, snapshot: head })).vp;
        } catch (cause) {
          return refuse('failed to check validation', { cause });
        }
        if (score < minScore) refuse('validation failed');
      }
    }
    let head: number;
    try {
      head = Number(await deps.chain.publicClient.getBlockNumber({ cacheTime: 0 }));
    } catch (cause) {
      return refuse('unable to fetch current block number', { cause });
    }
    if (payload.snapshot > head) refuse('proposal snapshot must be in past');
    return { payload, settings };
  },
  async write(tx: DbOrTx, _deps, ctx, { payload, settings }) {
    await tx.insert(hubProposals).values({
      id: ctx.id,
      ipfs: ctx.ipfs,
      author: ctx.from,
      created: ctx.timestamp,
      space: ctx.space!.id,
      network: settings.network,
      symbol: settings.symbol ?? '',
      type: payload.type,
      strategies: settings.strategies,
      validation: settings.voteValidation ?? { name: 'any', params: {} },
      plugins: payload.metadata.plugins,
      title: payload.name,
      body: payload.body,
      discussion: payload.discussion,
      choices: payload.choices,
      labels: payload.labels,
      start: payload.start,
      end: payload.end,
      quorum: String(settings.voting?.quorum ?? 0),
      // Shutter's encrypted votes are not supported: every proposal is public.
      privacy: '',
      snapshot: payload.snapshot,
      app: payload.app,
    });
  },
};
