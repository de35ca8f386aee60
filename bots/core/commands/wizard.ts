import { z } from 'zod';
import { describeKind, LICENSE_KINDS, offerOf, type LicenseKind } from '../../../platform/money/licenseKinds.ts';
import { formatAmount, parseAmount } from '../../../platform/money/currencies.ts';
import { assistantDraftSchema } from '../../../platform/assistants/createAssistant.ts';
import { listUsableDatasets } from '../../../platform/assistants/listUsableDatasets.ts';
import { startAssistant } from '../../../platform/assistants/startAssistant.ts';
import { trainingQueued } from '../../../platform/messages/assistants.ts';
import { fitLabel, pageOptions, type FormField, type Reply, type ReplyButton } from '../../../platform/chat/reply.ts';
import { InputError } from '../../../platform/errors.ts';
import { FLOW_TTL_MS, type ChatContext } from '../context.ts';
import { defineAction, type Action } from '../registry.ts';

/**
 * `/newassistant`, in the spirit of BotFather and GPT builders, as a form and a few choices:
 * 1. the card (name, tagline, persona, greeting, starters) as one form — a Discord modal, a web
 *    form, short guided steps on Telegram;
 * 2. the knowledge datasets, a multi-choice select (the person's own datasets and open ones);
 * 3. visibility; 4. price; 5. a summary to confirm. The draft lives in the chat session, so it
 * survives restarts; every step's controls work for a day.
 */

/** The draft between steps (JSON; prices as decimal strings of the currency's smallest unit). */
export type WizardDraft = {
  name: string;
  tagline?: string | undefined;
  instructions: string;
  greeting?: string | undefined;
  starters: string[];
  datasets: string[];
  visibility?: 'private' | 'unlisted' | 'public' | undefined;
  /** Licenses on offer; `[]` = free to chat with; undefined = the step is not done. */
  licenses?: Array<{ kind: LicenseKind; price: string }> | undefined;
};

const MAX_DATASETS = 8;
const STEPS = 5;
const head = (n: number, what: string) => `🧩 New assistant — step ${n}/${STEPS}: ${what}`;

const cardFields = (d?: Partial<WizardDraft>): FormField[] => [
  { name: 'name', label: 'Name', style: 'short', required: true, minLength: 2, maxLength: 48, placeholder: 'Shop Helper', value: d?.name },
  { name: 'tagline', label: 'Tagline', style: 'short', required: false, maxLength: 120, placeholder: 'Answers about orders and refunds', value: d?.tagline },
  {
    name: 'instructions',
    label: 'Persona and instructions',
    style: 'paragraph',
    required: true,
    minLength: 10,
    maxLength: 2000,
    placeholder: 'A friendly support agent. Answers from the FAQ only.',
    value: d?.instructions,
  },
  { name: 'greeting', label: 'Greeting', style: 'paragraph', required: false, maxLength: 500, placeholder: 'Hi! Ask me about orders.', value: d?.greeting },
  {
    name: 'starters',
    label: 'Starter prompts (up to 4, one per line or separated by |)',
    style: 'paragraph',
    required: false,
    maxLength: 4 * 121,
    placeholder: 'How long do refunds take? | Can I cancel?',
    value: d?.starters?.join('\n'),
  },
];

/** Step 1: the card, as a form (shown again with what was typed after a mistake). */
export async function cardStep(ctx: ChatContext, draft?: Partial<WizardDraft>, error?: string): Promise<Reply> {
  return {
    text: `${error ? `⚠️ ${error}\n\n` : ''}${head(1, 'describe your assistant.')}\n/cancel stops the wizard at any step; nothing is created until you confirm.`,
    form: { id: await ctx.control('wizard.card', {}, { ttlMs: FLOW_TTL_MS }), title: 'New assistant', fields: cardFields(draft) },
    personal: true,
  };
}

const splitStarters = (text: string) =>
  text
    .split(/\n|\|/)
    .map((l) => l.replace(/^[-•*]\s*/, '').trim())
    .filter(Boolean);

async function draftOf(ctx: ChatContext): Promise<WizardDraft> {
  const d = (await ctx.session()).wizard;
  if (!d) throw new InputError('This wizard is over. Start again with /newassistant.');
  return d;
}

async function saveDraft(ctx: ChatContext, wizard: WizardDraft | undefined) {
  await ctx.setSession({ ...(await ctx.session()), wizard });
}

/** Step 2: the datasets, paged past 25, chosen ones kept across pages. */
async function datasetsStep(ctx: ChatContext, draft: WizardDraft, page: number): Promise<Reply> {
  const usable = await listUsableDatasets(ctx.deps, { userId: (await ctx.user()).id });
  if (!usable.length)
    return {
      text: `${head(2, 'knowledge.')}\nYou have no datasets to build on yet, and nobody has opened one. Send a file first (it needs to be accepted), then run /newassistant again.`,
      personal: true,
    };
  const p = pageOptions(usable, page);
  const chosen = draft.datasets;
  const select = await ctx.control('wizard.datasets', { page: p.page }, { ttlMs: FLOW_TTL_MS });
  const buttons: ReplyButton[] = [];
  if (p.page > 0) buttons.push({ kind: 'button', label: '◀ Previous', id: await ctx.control('wizard.page', { page: p.page - 1 }, { ttlMs: FLOW_TTL_MS }) });
  if (p.page < p.pages - 1) buttons.push({ kind: 'button', label: 'Next ▶', id: await ctx.control('wizard.page', { page: p.page + 1 }, { ttlMs: FLOW_TTL_MS }) });
  buttons.push({ kind: 'button', label: 'Continue', style: 'primary', id: await ctx.control('wizard.visibilityStep', {}, { ttlMs: FLOW_TTL_MS }) });
  buttons.push({ kind: 'button', label: 'Cancel', style: 'secondary', id: await ctx.control('wizard.cancel', {}, { ttlMs: FLOW_TTL_MS }) });
  return {
    text: [
      head(2, 'which datasets should it learn from?'),
      `Your own datasets and open ones (up to ${MAX_DATASETS}).${p.pages > 1 ? ` Page ${p.page + 1} of ${p.pages}.` : ''}`,
      `Chosen: ${chosen.length ? chosen.join(', ') : 'none yet'}`,
    ].join('\n'),
    personal: true,
    rows: [
      {
        select: {
          kind: 'select',
          id: select,
          placeholder: 'Pick datasets',
          min: 0,
          max: Math.min(MAX_DATASETS, p.items.length),
          options: p.items.map((d) => ({
            label: fitLabel(`${d.name} (${d.publicId})`, 100),
            value: d.publicId,
            description: fitLabel(`${d.rows.toLocaleString('en')} rows · ${d.format.toUpperCase()} · ${d.mine ? 'yours' : 'open'}`, 100),
          })),
          selected: p.items.filter((d) => chosen.includes(d.publicId)).map((d) => d.publicId),
        },
      },
      { buttons },
    ],
  };
}

async function visibilityStep(ctx: ChatContext): Promise<Reply> {
  const choice = (v: 'private' | 'unlisted' | 'public') => ctx.control('wizard.visibility', { visibility: v }, { ttlMs: FLOW_TTL_MS });
  return {
    text: `${head(3, 'who can use it?')}\n🔒 Private: only you. 🔗 Unlisted: anyone with its id. 🌐 Public: listed for everyone.`,
    personal: true,
    rows: [
      {
        buttons: [
          { kind: 'button', label: '🔒 Private', id: await choice('private') },
          { kind: 'button', label: '🔗 Unlisted', id: await choice('unlisted') },
          { kind: 'button', label: '🌐 Public', id: await choice('public') },
        ],
      },
    ],
  };
}

async function priceStep(ctx: ChatContext): Promise<Reply> {
  const { currencies } = ctx.deps.money;
  return {
    text: `${head(4, 'price.')}\nFree to chat with, or sold as licenses in ${currencies[0]!.symbol}: ${kindList(ctx)}. Each sale pays its creator and, through royalties, the people whose data it was built on.`,
    personal: true,
    rows: [
      {
        buttons: [
          { kind: 'button', label: 'Free', id: await ctx.control('wizard.price', { free: true }, { ttlMs: FLOW_TTL_MS }) },
          { kind: 'button', label: 'Set prices…', id: await ctx.control('wizard.priceForm', {}, { ttlMs: FLOW_TTL_MS }) },
        ],
      },
    ],
  };
}

const kindLabel = (ctx: ChatContext, kind: LicenseKind) => {
  const { settings } = ctx.deps.money;
  return describeKind(kind, kind === 'perpetual' ? 0 : settings.periodSeconds, kind === 'api' ? settings.apiQuota : 0);
};
const kindList = (ctx: ChatContext) => LICENSE_KINDS.map((k) => kindLabel(ctx, k)).join(', ');

async function priceForm(ctx: ChatContext, error?: string): Promise<Reply> {
  const symbol = ctx.deps.money.currencies[0]!.symbol;
  return {
    text: `${error ? `⚠️ ${error}\n\n` : ''}${head(4, `license prices in ${symbol}.`)} Leave a kind empty not to offer it.`,
    personal: true,
    form: {
      id: await ctx.control('wizard.price', { free: false }, { ttlMs: FLOW_TTL_MS }),
      title: `License prices (${symbol})`,
      fields: LICENSE_KINDS.map((kind) => ({
        name: kind,
        label: fitLabel(`${kindLabel(ctx, kind)}, ${symbol}`, 45),
        style: 'short' as const,
        required: false,
        maxLength: 20,
        placeholder: kind === 'period' ? '5' : kind === 'perpetual' ? '40' : '25',
      })),
    },
  };
}

function licenseLines(ctx: ChatContext, d: WizardDraft): string {
  if (!d.licenses?.length) return 'License: free to chat with';
  const currency = ctx.deps.money.currencies[0]!;
  return `Licenses:\n${d.licenses.map((l) => `  • ${kindLabel(ctx, l.kind)}: ${formatAmount(BigInt(l.price), currency)}`).join('\n')}`;
}

function summary(ctx: ChatContext, d: WizardDraft): string {
  return [
    `🤖 ${d.name}${d.tagline ? ` — ${d.tagline}` : ''}`,
    `Persona: ${d.instructions}`,
    d.greeting ? `Greeting: ${d.greeting}` : undefined,
    d.starters.length ? `Starters:\n${d.starters.map((s) => `  • ${s}`).join('\n')}` : undefined,
    `Knowledge: ${d.datasets.join(', ')}`,
    `Visibility: ${d.visibility}`,
    licenseLines(ctx, d),
  ]
    .filter(Boolean)
    .join('\n');
}

async function confirmStep(ctx: ChatContext, d: WizardDraft): Promise<Reply> {
  return {
    text: `${head(5, 'check and confirm.')}\n\n${summary(ctx, d)}`,
    personal: true,
    rows: [
      {
        buttons: [
          { kind: 'button', label: 'Create and train', style: 'success', id: await ctx.control('wizard.create', {}, { once: true, ttlMs: FLOW_TTL_MS }) },
          { kind: 'button', label: 'Cancel', style: 'secondary', id: await ctx.control('wizard.cancel', {}, { ttlMs: FLOW_TTL_MS }) },
        ],
      },
    ],
  };
}

/** Starts the wizard: a fresh draft, and the card form. */
export async function startWizard(ctx: ChatContext): Promise<void> {
  await saveDraft(ctx, undefined);
  await ctx.reply(await cardStep(ctx));
}

const noData = z.object({}).passthrough();

/** The wizard's controls. */
export const wizardActions: Action[] = [
  defineAction({
    name: 'wizard.card',
    data: noData,
    async run(ctx, _data, input) {
      const f = input.fields ?? {};
      const draft: Partial<WizardDraft> = {
        name: f.name?.trim() ?? '',
        tagline: f.tagline?.trim() || undefined,
        instructions: f.instructions?.trim() ?? '',
        greeting: f.greeting?.trim() || undefined,
        starters: splitStarters(f.starters ?? ''),
      };
      const shape = assistantDraftSchema.pick({ name: true, tagline: true, instructions: true, greeting: true, starters: true });
      const parsed = shape.safeParse(draft);
      if (!parsed.success) {
        await ctx.reply(await cardStep(ctx, draft, parsed.error.issues[0]!.message));
        return;
      }
      const wizard: WizardDraft = { ...parsed.data, datasets: [] };
      await saveDraft(ctx, wizard);
      // Where the form sits in a message (the web page), it gives way to what was taken.
      await ctx.conv.update?.({ text: `${head(1, 'described.')}\n🤖 ${wizard.name}${wizard.tagline ? ` — ${wizard.tagline}` : ''}`, personal: true });
      await ctx.reply(await datasetsStep(ctx, wizard, 0));
    },
  }),
  defineAction({
    name: 'wizard.datasets',
    data: z.object({ page: z.number().int().min(0) }),
    async run(ctx, { page }, input) {
      const draft = await draftOf(ctx);
      const usable = await listUsableDatasets(ctx.deps, { userId: (await ctx.user()).id });
      const onPage = new Set(pageOptions(usable, page).items.map((d) => d.publicId));
      let chosen: string[];
      if (input.toggle !== undefined) {
        if (!onPage.has(input.toggle)) throw new InputError('That dataset is no longer available.');
        chosen = draft.datasets.includes(input.toggle) ? draft.datasets.filter((x) => x !== input.toggle) : [...draft.datasets, input.toggle];
      } else {
        const picked = (input.values ?? []).filter((v) => onPage.has(v));
        chosen = [...draft.datasets.filter((x) => !onPage.has(x)), ...picked];
      }
      if (chosen.length > MAX_DATASETS) throw new InputError(`At most ${MAX_DATASETS} datasets (the on-chain lineage limit).`);
      const next = { ...draft, datasets: chosen };
      await saveDraft(ctx, next);
      await ctx.update(await datasetsStep(ctx, next, page));
    },
  }),
  defineAction({
    name: 'wizard.page',
    data: z.object({ page: z.number().int().min(0) }),
    async run(ctx, { page }) {
      await ctx.update(await datasetsStep(ctx, await draftOf(ctx), page));
    },
  }),
  defineAction({
    name: 'wizard.visibilityStep',
    data: noData,
    async run(ctx) {
      const draft = await draftOf(ctx);
      if (!draft.datasets.length) throw new InputError('Pick at least one dataset first.');
      await ctx.update(await visibilityStep(ctx));
    },
  }),
  defineAction({
    name: 'wizard.visibility',
    data: z.object({ visibility: z.enum(['private', 'unlisted', 'public']) }),
    async run(ctx, { visibility }) {
      await saveDraft(ctx, { ...(await draftOf(ctx)), visibility });
      await ctx.update(await priceStep(ctx));
    },
  }),
  defineAction({
    name: 'wizard.priceForm',
    data: noData,
    async run(ctx) {
      await draftOf(ctx);
      await ctx.reply(await priceForm(ctx));
    },
  }),
  defineAction({
    name: 'wizard.price',
    data: z.object({ free: z.boolean() }),
    async run(ctx, { free }, input) {
      const draft = await draftOf(ctx);
      const currency = ctx.deps.money.currencies[0]!;
      const licenses: NonNullable<WizardDraft['licenses']> = [];
      if (!free) {
        try {
          for (const kind of LICENSE_KINDS) {
            const text = (input.fields?.[kind] ?? '').trim();
            if (!text) continue;
            const price = parseAmount(text, currency);
            if (price === 0n) continue;
            licenses.push({ kind, price: price.toString() });
          }
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          await ctx.reply(await priceForm(ctx, err.shortMessage));
          return;
        }
        if (!licenses.length) {
          await ctx.reply(await priceForm(ctx, 'Give at least one price, or choose Free.'));
          return;
        }
      }
      const next = { ...draft, licenses };
      await saveDraft(ctx, next);
      if (free) await ctx.update(await confirmStep(ctx, next));
      else {
        await ctx.conv.update?.({ text: `${head(4, 'prices set.')}\n${licenseLines(ctx, next)}`, personal: true });
        await ctx.reply(await confirmStep(ctx, next));
      }
    },
  }),
  defineAction({
    name: 'wizard.create',
    data: noData,
    async run(ctx) {
      const d = await draftOf(ctx);
      if (!d.visibility || d.licenses === undefined) throw new InputError('Some steps are missing. Start again with /newassistant.');
      const { settings, currencies } = ctx.deps.money;
      const user = await ctx.user();
      const assistant = await startAssistant(ctx.deps, {
        userId: user.id,
        draft: {
          ...d,
          visibility: d.visibility,
          licenses: d.licenses.map((l) => offerOf(settings, l.kind, BigInt(l.price), currencies[0]!.address)),
        },
        announce: async (a) => {
          await ctx.update({ text: `${head(5, 'confirmed.')}\n\n${summary(ctx, d)}` });
          // The training message is edited by the fine-tune job: visible, never ephemeral.
          const messageId = await ctx.reply({ text: trainingQueued(a), personal: false });
          return { transport: ctx.conv.chat.transport, chatId: ctx.conv.chat.chatId, messageId };
        },
      });
      await ctx.setSession({ ...(await ctx.session()), wizard: undefined, active: { assistantId: assistant.publicId, name: assistant.name, history: [] } });
    },
  }),
  defineAction({
    name: 'wizard.cancel',
    data: noData,
    async run(ctx) {
      await saveDraft(ctx, undefined);
      await ctx.update('Wizard cancelled; nothing was created.');
    },
  }),
];
