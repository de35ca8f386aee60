import { z } from 'zod';
import { listReviewQueue } from '../../../platform/review/listReviewQueue.ts';
import { openReviewCard } from '../../../platform/review/openReviewCard.ts';
import { castReviewVote, REJECTION_REASON, type CastReviewVoteReturnType } from '../../../platform/review/castReviewVote.ts';
import { fitLabel, type ReplyButton } from '../../../platform/chat/reply.ts';
import type { ChatContext } from '../context.ts';
import { defineAction, defineCommand, type Feature } from '../registry.ts';

const dataset = z.object({ datasetId: z.number().int().positive() });

function outcomeText(r: CastReviewVoteReturnType, decision: 'approved' | 'rejected'): string {
  const d = `${r.dataset.name} (${r.dataset.publicId})`;
  if (decision === 'rejected') return `❌ You rejected ${d}. The contributor is told your reason.`;
  if (r.outcome === 'approved') return `✅ You approved ${d}. That was approval ${r.approvals} of ${r.quorum}: it is accepted, and its receipts — yours included — are being minted.`;
  return `✅ You approved ${d} (${r.approvals} of ${r.quorum} approvals so far).`;
}

/** The card's text without its buttons once the validator has voted (a new message where it cannot be edited). */
const closeCard = (ctx: ChatContext, text: string) => ctx.update({ text, personal: true });

/** Validator review: `/review` lists what waits; the card's buttons vote. */
export const reviewFeature: Feature = {
  name: 'review',
  title: 'Validators',
  commands: [
    defineCommand({
      name: 'review',
      description: 'Validators: the datasets waiting for your review',
      args: {},
      personal: true,
      async run(ctx) {
        const queue = await listReviewQueue(ctx.deps, { validatorUserId: (await ctx.user()).id });
        if (!queue.length) {
          await ctx.reply('Nothing waits for your review. Review cards also arrive in your direct messages.');
          return;
        }
        const shown = queue.slice(0, 20);
        const buttons: ReplyButton[] = await Promise.all(
          shown.map(async (d) => ({ kind: 'button' as const, label: fitLabel(`${d.publicId} ${d.name}`), id: await ctx.control('review.open', { datasetId: d.id }) })),
        );
        const rows = [];
        for (let i = 0; i < buttons.length; i += 5) rows.push({ buttons: buttons.slice(i, i + 5) });
        await ctx.reply({
          text: [
            `🔍 ${queue.length} dataset${queue.length === 1 ? '' : 's'} wait${queue.length === 1 ? 's' : ''} for your review (oldest first):`,
            ...shown.map((d) => `• ${d.publicId} ${d.name} — ${d.rows.toLocaleString('en')} rows, ${d.format.toUpperCase()}`),
            queue.length > shown.length ? `…and ${queue.length - shown.length} more.` : '',
            'Open one to see its card.',
          ]
            .filter(Boolean)
            .join('\n'),
          rows,
        });
      },
    }),
  ],
  actions: [
    defineAction({
      name: 'review.open',
      data: dataset,
      async run(ctx, { datasetId }) {
        await ctx.reply(await openReviewCard(ctx.deps, { validatorUserId: (await ctx.user()).id, datasetId }));
      },
    }),
    defineAction({
      name: 'review.approve',
      data: dataset,
      async run(ctx, { datasetId }) {
        const r = await castReviewVote(ctx.deps, { validatorUserId: (await ctx.user()).id, datasetId, decision: 'approved' });
        await closeCard(ctx, outcomeText(r, 'approved'));
      },
    }),
    defineAction({
      name: 'review.reject',
      data: dataset,
      async run(ctx, { datasetId }) {
        await ctx.reply({
          text: 'Why do you reject it? The contributor is told your reason.',
          personal: true,
          form: {
            id: await ctx.control('review.rejectReason', { datasetId }, { once: true }),
            title: 'Reject with a reason',
            fields: [
              {
                name: 'reason',
                label: 'Reason (shown to the contributor)',
                style: 'paragraph',
                required: true,
                minLength: REJECTION_REASON.min,
                maxLength: REJECTION_REASON.max,
                placeholder: 'Rows 4 and 9 contain customers’ e-mail addresses.',
              },
            ],
          },
        });
      },
    }),
    defineAction({
      name: 'review.rejectReason',
      data: dataset,
      async run(ctx, { datasetId }, input) {
        const r = await castReviewVote(ctx.deps, {
          validatorUserId: (await ctx.user()).id,
          datasetId,
          decision: 'rejected',
          reason: input.fields?.reason,
        });
        await closeCard(ctx, outcomeText(r, 'rejected'));
      },
    }),
  ],
};
