import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { castTreasuryVote } from '../../../governance/treasury/castTreasuryVote.ts';
import { guardianCancelLink } from '../../../governance/treasury/guardianCancelLink.ts';
import { formatVotes } from '../../../governance/treasury/formatVotes.ts';
import { proposeTreasuryTransfer } from '../../../governance/treasury/proposeTreasuryTransfer.ts';
import { readDao, treasuryCurrencies } from '../../../governance/treasury/readDao.ts';
import { readTreasuryProposals } from '../../../governance/treasury/readTreasuryProposals.ts';
import { treasuryContracts } from '../../../governance/treasury/contracts.ts';
import type { TreasuryProposal } from '../../../governance/treasury/types.ts';
import { fitLabel, type FormField, type Reply, type ReplyButton, type ReplyRow } from '../../../platform/chat/reply.ts';
import { InputError, NotFoundError } from '../../../platform/errors.ts';
import { formatAmount } from '../../../platform/money/currencies.ts';
import type { ChatContext } from '../context.ts';
import { arg, defineAction, defineCommand, type Feature } from '../registry.ts';
import { utcMinute } from '../../../platform/messages/format.ts';

/** Vote buttons on a treasury proposal work as long as a vote can last on the dev defaults and beyond (a week). */
const CONTROL_TTL_MS = 7 * 86_400_000;

const shortId = (id: bigint) => `${id.toString().slice(0, 12)}…`;

const STATE_WORDS: Record<TreasuryProposal['state'], string> = {
  Pending: '⏳ voting has not opened yet',
  Active: '🗳 voting is open',
  Canceled: '✖️ cancelled',
  Defeated: '✖️ defeated',
  Succeeded: '✅ passed; waiting to be queued in the timelock',
  Queued: '⏳ queued in the timelock',
  Expired: '✖️ expired',
  Executed: '✅ executed',
};

function proposalText(p: TreasuryProposal, head?: string): string {
  const total = p.votes.for + p.votes.against + p.votes.abstain;
  const pct = (v: bigint) => (total > 0n ? ` (${Number((v * 1000n) / total) / 10} %)` : '');
  return [
    ...(head ? [head, ''] : []),
    `🏛 ${p.title}`,
    `${STATE_WORDS[p.state]}${p.state === 'Queued' && p.eta ? `, executable from ${utcMinute(p.eta)}` : ''} · votes blocks ${p.voteStart}–${p.voteEnd}`,
    '',
    ...p.actions.map((a) => `• ${a}`),
    '',
    `For ${formatVotes(p.votes.for)}${pct(p.votes.for)} · Against ${formatVotes(p.votes.against)}${pct(p.votes.against)} · Abstain ${formatVotes(p.votes.abstain)}${pct(p.votes.abstain)}`,
    `Quorum: ${p.quorum > 0n ? formatVotes(p.quorum) : 'set when voting opens'} (for + abstain) · id ${shortId(p.id)}`,
  ].join('\n');
}

async function proposalCard(ctx: ChatContext, id: bigint, head?: string): Promise<Reply> {
  const [p] = await readTreasuryProposals(ctx.deps.money, { id });
  if (!p) throw new NotFoundError('There is no such treasury proposal (or the indexer has not seen it yet: try again in a few seconds).');
  if (p.state !== 'Active') return { text: proposalText(p, head) };
  const opts = { shared: true, ttlMs: CONTROL_TTL_MS };
  const data = (support: string) => ({ proposalId: p.id.toString(), support });
  const buttons: ReplyButton[] = [
    { kind: 'button', label: 'For', style: 'primary', id: await ctx.control('treasury.vote', data('for'), opts) },
    { kind: 'button', label: 'Against', style: 'danger', id: await ctx.control('treasury.vote', data('against'), opts) },
    { kind: 'button', label: 'Abstain', id: await ctx.control('treasury.vote', data('abstain'), opts) },
  ];
  return { text: proposalText(p, head), rows: [{ buttons }] };
}

function parseId(text: string): bigint {
  if (!/^\d{1,80}$/.test(text.trim())) throw new InputError('A treasury proposal id is a (long) number: /treasury lists them.');
  return BigInt(text.trim());
}

/** The DAO treasury on-chain: proposals to the governor, votes relayed with castVoteBySig, and the handover. */
export const treasuryFeature: Feature = {
  name: 'treasury',
  title: 'Treasury',
  commands: [
    defineCommand({
      name: 'dao',
      description: 'The Foundation→DAO handover: phase, deadlines, guardian, and the treasury',
      args: {},
      async run(ctx) {
        const d = await readDao(ctx.deps.money);
        const phaseLine = {
          FOUNDATION: `🏛 Phase: FOUNDATION — the Foundation (${d.foundation}) runs the treasury. TRANSITION can start from ${utcMinute(d.transitionNotBefore)}${d.moveDue ? ' (due now: the next indexer pass starts it)' : ''}.`,
          TRANSITION: `🏛 Phase: TRANSITION since ${utcMinute(d.transitionStartedAt)} — the DAO proposes and executes; the Foundation keeps a veto (cancel only) until ${utcMinute(d.guardianExpiresAt)}${d.now >= d.guardianExpiresAt ? ' (expired)' : ''}. The DAO phase is due ${utcMinute(d.handoverDueAt)}${d.handoverApproved ? ' (handover approved by vote)' : ' (or earlier once the DAO approves the handover by vote)'}.`,
          DAO: '🏛 Phase: DAO — the DAO alone runs the treasury; the Foundation has no veto.',
        }[d.phase];
        await ctx.reply(
          [
            phaseLine,
            '',
            `Treasury (timelock ${d.timelock}):`,
            ...d.balances.map((b) => `• ${formatAmount(b.amount, b.currency)}`),
            '',
            `Governor ${d.governor.address}: voting opens ${d.governor.votingDelayBlocks} block(s) after a proposal and lasts ${d.governor.votingPeriodBlocks} blocks; proposing needs ${formatVotes(d.governor.proposalThreshold)}; quorum ${d.governor.quorumPercent} % of all votes; a passed proposal waits ${Math.round(d.timelockDelay / 60)} min in the timelock.`,
            '/treasury lists proposals; /treasury propose starts one.',
          ].join('\n'),
        );
      },
    }),
    defineCommand({
      name: 'treasury',
      description: 'Treasury proposals: list, one by id, propose a transfer, or cancel <id> (Foundation veto)',
      args: { id: arg.text<false>('propose, a proposal id, or cancel <id>', { required: false, max: 100 }) },
      async run(ctx, { id }) {
        const money = ctx.deps.money;
        const word = id?.trim().toLowerCase();
        if (word === 'propose') {
          const { token } = treasuryContracts(money);
          const fields: FormField[] = [
            { name: 'title', label: 'Title', style: 'short', required: true, minLength: 1, maxLength: 120 },
            { name: 'to', label: 'Send to (address)', style: 'short', required: true, minLength: 42, maxLength: 42, placeholder: '0x…' },
            { name: 'amount', label: 'Amount', style: 'short', required: true, maxLength: 30, placeholder: '100' },
            { name: 'currency', label: `Currency: ${treasuryCurrencies(money, token).map((c) => c.symbol).join(', ')}`, style: 'short', required: true, maxLength: 42, placeholder: 'ETH' },
            { name: 'body', label: 'Why', style: 'paragraph', required: false, maxLength: 2000 },
          ];
          await ctx.reply({
            text: 'New treasury proposal: a transfer from the DAO treasury, proposed on-chain with your key (the platform pays the gas).',
            personal: true,
            form: { id: await ctx.control('treasury.create', { requestKey: randomUUID() }, { once: true, ttlMs: 3_600_000 }), title: 'Treasury proposal', fields },
          });
          return;
        }
        const veto = /^cancel\s+(.+)$/.exec(word ?? '');
        if (veto) {
          const link = await guardianCancelLink(money, { userId: (await ctx.user()).id, proposalId: parseId(veto[1]!) });
          await ctx.reply({ text: `🛡 Guardian veto of “${link.title}”: the Foundation's wallet sends the cancellation on ${link.url} (valid 15 minutes).`, personal: true });
          return;
        }
        if (word) {
          await ctx.reply(await proposalCard(ctx, parseId(word)));
          return;
        }
        const list = await readTreasuryProposals(money, { limit: 10 });
        if (!list.length) {
          await ctx.reply('🏛 No treasury proposal yet. /treasury propose starts one; /dao shows the treasury.');
          return;
        }
        const buttons: ReplyButton[] = await Promise.all(
          list.map(async (p, i) => ({
            kind: 'button' as const,
            label: fitLabel(`${i + 1}. ${p.title}`),
            id: await ctx.control('treasury.open', { proposalId: p.id.toString() }, { shared: true, ttlMs: CONTROL_TTL_MS }),
          })),
        );
        const rows: ReplyRow[] = [];
        for (let i = 0; i < buttons.length; i += 5) rows.push({ buttons: buttons.slice(i, i + 5) });
        await ctx.reply({
          text: ['🏛 Treasury proposals, newest first:', ...list.map((p, i) => `${i + 1}. ${p.title} — ${STATE_WORDS[p.state]} (${p.actions.join('; ')})`)].join('\n'),
          rows,
        });
      },
    }),
  ],
  actions: [
    defineAction({
      name: 'treasury.create',
      data: z.object({ requestKey: z.string().uuid() }),
      async run(ctx, { requestKey }, input) {
        const f = input.fields ?? {};
        await ctx.update({ text: '⏳ Sending your proposal to the governor…', personal: true });
        const r = await proposeTreasuryTransfer(ctx.deps.money, {
          userId: (await ctx.user()).id,
          title: f.title ?? '',
          to: f.to ?? '',
          amount: f.amount ?? '',
          currency: f.currency ?? '',
          body: f.body,
          requestKey,
        });
        if (r.kind === 'wallet') {
          await ctx.reply({
            text: `🔐 Your votes are in your linked wallet, so it sends the proposal itself (${r.action}): open ${r.url} within 15 minutes. /treasury shows it once it is on-chain.`,
            personal: true,
          });
          return;
        }
        const [p] = await readTreasuryProposals(ctx.deps.money, { id: r.id });
        const head = `✅ Treasury proposal created: ${r.action}. Voting opens after block ${r.voteStart} and closes at block ${r.voteEnd}.`;
        await ctx.reply(p ? await proposalCard(ctx, r.id, head) : { text: `${head}\n/treasury lists it (with its vote buttons) as soon as the chain's indexer has seen it, within seconds.` });
      },
    }),
    defineAction({
      name: 'treasury.open',
      data: z.object({ proposalId: z.string().regex(/^\d{1,80}$/) }),
      async run(ctx, { proposalId }) {
        await ctx.reply(await proposalCard(ctx, BigInt(proposalId)));
      },
    }),
    defineAction({
      name: 'treasury.vote',
      data: z.object({ proposalId: z.string().regex(/^\d{1,80}$/), support: z.enum(['for', 'against', 'abstain']) }),
      async run(ctx, { proposalId, support }) {
        const r = await castTreasuryVote(ctx.deps.money, { userId: (await ctx.user()).id, proposalId: BigInt(proposalId), support });
        if (r.kind === 'wallet') {
          await ctx.reply({ text: `🔐 Your ${formatVotes(r.weight)} are in your linked wallet: it casts the vote (${support}) itself on ${r.url} (valid 15 minutes).`, personal: true });
          return;
        }
        await ctx.reply({
          text: `✅ Your on-chain vote (${support}) is in, with ${formatVotes(r.weight)} — signed with your key, sent by the platform (tx ${r.txHash.slice(0, 12)}…). On-chain votes are final.`,
          personal: true,
        });
      },
    }),
  ],
};
