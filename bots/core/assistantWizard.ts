import { formatEther, parseEther } from 'viem';
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.ts';
import { datasets } from '../../platform/db/schema.ts';
import { assistantDraftSchema, createAssistant, type Assistant } from '../../platform/assistants/createAssistant.ts';
import type { User } from '../../platform/identity/ensureUser.ts';

/** The steps of `/newassistant`, in the spirit of BotFather and GPT builders. */
export const WIZARD_STEPS = ['name', 'tagline', 'instructions', 'greeting', 'starters', 'datasets', 'visibility', 'price', 'confirm'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

/** Wizard state kept in the chat session (JSON: bigint price as a string). */
export type WizardState = {
  step: WizardStep;
  draft: {
    name?: string;
    tagline?: string;
    instructions?: string;
    greeting?: string;
    starters?: string[];
    datasetIds?: number[];
    visibility?: 'private' | 'unlisted' | 'public';
    priceWei?: string;
  };
};

const OPTIONAL: ReadonlySet<WizardStep> = new Set(['tagline', 'greeting', 'starters']);

export type WizardReply =
  | { kind: 'ask'; state: WizardState; text: string }
  | { kind: 'invalid'; state: WizardState; text: string }
  | { kind: 'created'; assistant: Assistant };

/** The question for a step (datasets lists the user's approved datasets to choose from). */
export async function promptFor(deps: { db: Db }, user: User, step: WizardStep, state: WizardState): Promise<string> {
  const n = WIZARD_STEPS.indexOf(step) + 1;
  const head = `🧩 New assistant — step ${n}/${WIZARD_STEPS.length}\n`;
  switch (step) {
    case 'name':
      return `${head}What is your assistant called? (2–48 characters)\n\n/cancel stops the wizard at any step.`;
    case 'tagline':
      return `${head}A one-line tagline for ${state.draft.name}? (/skip)`;
    case 'instructions':
      return `${head}Describe its persona and instructions: who it is, how it answers, what it avoids.`;
    case 'greeting':
      return `${head}What should it say first when someone opens a chat? (/skip)`;
    case 'starters':
      return `${head}Up to 4 starter prompts, one per line or separated by | (/skip)`;
    case 'datasets': {
      const mine = await deps.db
        .select({ id: datasets.id, name: datasets.name, rows: datasets.rows })
        .from(datasets)
        .where(and(eq(datasets.ownerId, user.id), eq(datasets.status, 'approved')))
        .orderBy(desc(datasets.id))
        .limit(20);
      const list = mine.length
        ? mine.map((d) => `  #${d.id} ${d.name} (${d.rows} rows)`).join('\n')
        : '  (you have none yet — send a file first, or use the id of any approved dataset)';
      return `${head}Which datasets should it learn from? Reply with their ids, e.g. 1, 3.\nYour datasets:\n${list}\n\nTheir contributors earn a share of its revenue.`;
    }
    case 'visibility':
      return `${head}Who can use it? Reply private, unlisted (anyone with its id) or public.`;
    case 'price':
      return `${head}Price of a 30-day license in ETH (0 for free), e.g. 0.01`;
    case 'confirm':
      return `${head}${summary(state)}\n\n/create to build and train it, /cancel to drop it.`;
  }
}

function summary(state: WizardState): string {
  const d = state.draft;
  return [
    `🤖 ${d.name}${d.tagline ? ` — ${d.tagline}` : ''}`,
    `Persona: ${d.instructions}`,
    d.greeting ? `Greeting: ${d.greeting}` : undefined,
    d.starters?.length ? `Starters:\n${d.starters.map((s) => `  • ${s}`).join('\n')}` : undefined,
    `Knowledge: ${d.datasetIds?.map((i) => `#${i}`).join(', ')}`,
    `Visibility: ${d.visibility}`,
    `License: ${d.priceWei === '0' ? 'free' : `${formatEther(BigInt(d.priceWei ?? '0'))} ETH / 30 days`}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** Starts a wizard. */
export function startWizard(): WizardState {
  return { step: 'name', draft: {} };
}

/**
 * Applies one answer to the wizard: validates it for the current step, then moves on (or
 * stays with a clear message). On `/create` at the last step, creates the assistant.
 */
export async function advanceWizard(deps: { db: Db }, user: User, state: WizardState, input: string): Promise<WizardReply> {
  const text = input.trim();
  const skip = text === '/skip';
  const invalid = async (message: string): Promise<WizardReply> => ({
    kind: 'invalid',
    state,
    text: `⚠️ ${message}\n\n${await promptFor(deps, user, state.step, state)}`,
  });
  if (skip && !OPTIONAL.has(state.step)) return invalid('This step cannot be skipped.');

  const draft = { ...state.draft };
  const field = assistantDraftSchema.shape;
  switch (state.step) {
    case 'name':
    case 'tagline':
    case 'instructions':
    case 'greeting': {
      // The four free-text steps: each checked by its field of the draft schema.
      if (skip) break;
      const r = field[state.step].safeParse(text);
      if (!r.success) return invalid(r.error.issues[0]!.message);
      draft[state.step] = r.data;
      break;
    }
    case 'starters': {
      const lines = skip ? [] : text.split(/\n|\|/).map((l) => l.replace(/^[-•*]\s*/, '').trim()).filter(Boolean);
      const r = field.starters.safeParse(lines);
      if (!r.success) return invalid(r.error.issues[0]!.message);
      draft.starters = r.data;
      break;
    }
    case 'datasets': {
      const ids = text.split(/[\s,;]+/).map((t) => t.replace(/^#/, '')).filter(Boolean);
      if (!ids.length || ids.some((t) => !/^\d{1,9}$/.test(t))) return invalid('Reply with dataset ids, like 1, 3.');
      const nums = [...new Set(ids.map(Number))];
      const r = field.datasetIds.safeParse(nums);
      if (!r.success) return invalid(r.error.issues[0]!.message);
      const found = await deps.db.select({ id: datasets.id, status: datasets.status }).from(datasets);
      const bad = nums.filter((n) => !found.some((f) => f.id === n && f.status === 'approved'));
      if (bad.length) return invalid(`${bad.map((b) => `#${b}`).join(', ')}: no approved dataset with that id.`);
      draft.datasetIds = nums;
      break;
    }
    case 'visibility': {
      const v = text.toLowerCase();
      if (v !== 'private' && v !== 'unlisted' && v !== 'public') return invalid('Reply private, unlisted or public.');
      draft.visibility = v;
      break;
    }
    case 'price': {
      if (!/^\d{1,7}(\.\d{1,18})?$/.test(text)) return invalid('Reply with an amount in ETH like 0, 0.01 or 2.5.');
      draft.priceWei = parseEther(text).toString();
      break;
    }
    case 'confirm': {
      if (text !== '/create') return invalid('Reply /create to build it, or /cancel.');
      const assistant = await createAssistant(deps, user.id, {
        name: draft.name!,
        tagline: draft.tagline,
        instructions: draft.instructions!,
        greeting: draft.greeting,
        starters: draft.starters ?? [],
        datasetIds: draft.datasetIds!,
        visibility: draft.visibility!,
        priceWei: BigInt(draft.priceWei!),
      });
      return { kind: 'created', assistant };
    }
  }
  const next: WizardState = { step: WIZARD_STEPS[WIZARD_STEPS.indexOf(state.step) + 1]!, draft };
  return { kind: 'ask', state: next, text: await promptFor(deps, user, next.step, next) };
}
