import { and, eq, inArray, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { assistantDatasets, assistants, datasets, licenseTerms } from '../db/schema.ts';
import { InputError } from '../errors.ts';
import { newPublicId } from '../ids.ts';

export type Assistant = typeof assistants.$inferSelect;

/** An assistant's card as the wizard (or the API) collects it. */
export const assistantDraftSchema = z.object({
  name: z.string().trim().min(2, 'The name needs at least 2 characters.').max(48, 'The name can be at most 48 characters.'),
  tagline: z.string().trim().max(120, 'The tagline can be at most 120 characters.').optional(),
  instructions: z
    .string()
    .trim()
    .min(10, 'Describe the persona in at least 10 characters.')
    .max(2000, 'Instructions can be at most 2000 characters.'),
  greeting: z.string().trim().max(500, 'The greeting can be at most 500 characters.').optional(),
  starters: z.array(z.string().trim().min(1).max(120, 'Each starter can be at most 120 characters.')).max(4, 'At most 4 starters.'),
  /** Public ids (`ds_…`) of the knowledge datasets. */
  datasets: z
    .array(z.string())
    .min(1, 'Pick at least one dataset.')
    .max(8, 'At most 8 datasets (the on-chain lineage limit).'),
  visibility: z.enum(['private', 'unlisted', 'public']),
  /** Licenses on offer (none: the assistant is free to chat with). At most one per kind. */
  licenses: z
    .array(
      z.object({
        kind: z.enum(['period', 'perpetual', 'api']),
        /** In the currency's smallest unit; a priced assistant's licenses cost something. */
        price: z.bigint().positive('A license price must be above zero (offer no license to make it free).'),
        currency: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
        durationSeconds: z.number().int().min(0),
        quota: z.number().int().min(0),
      }),
    )
    .max(3)
    .refine((l) => new Set(l.map((x) => x.kind)).size === l.length, 'At most one license of each kind.')
    .default([]),
});

export type AssistantDraft = z.infer<typeof assistantDraftSchema>;

/**
 * Creates an assistant from a complete draft, linked to its knowledge datasets. The datasets must
 * be approved and usable by its creator: their own, or open ones; anything else is answered as
 * unknown, so private datasets of others cannot be found this way. One transaction: no assistant
 * without its datasets. `admit` runs once the draft is valid, before anything is written (a
 * limit check that may refuse). Licenses on offer are written as terms, created on-chain
 * once the assistant's asset is registered.
 */
export async function createAssistant(
  deps: { db: Db },
  ownerId: number,
  draft: AssistantDraft,
  options: { admit?: (() => Promise<void>) | undefined } = {},
): Promise<Assistant> {
  const parsed = assistantDraftSchema.safeParse(draft);
  if (!parsed.success) throw new InputError(parsed.error.issues.map((i) => i.message).join(' '));
  const d = parsed.data;
  const wanted = [...new Set(d.datasets)];
  return deps.db.transaction(async (tx) => {
    const found = await tx
      .select({ id: datasets.id, publicId: datasets.publicId })
      .from(datasets)
      .where(
        and(
          inArray(datasets.publicId, wanted),
          eq(datasets.status, 'approved'),
          or(eq(datasets.ownerId, ownerId), eq(datasets.access, 'open')),
        ),
      );
    const missing = wanted.filter((p) => !found.some((f) => f.publicId === p));
    if (missing.length)
      throw new InputError(
        `${missing.join(', ')}: ${missing.length > 1 ? 'no approved datasets' : 'no approved dataset'} you may build on. Use your own datasets or open ones.`,
      );
    // Only a valid draft counts against a limit.
    await options.admit?.();
    const [row] = await tx
      .insert(assistants)
      .values({
        publicId: newPublicId('as'),
        ownerId,
        name: d.name,
        tagline: d.tagline ?? null,
        instructions: d.instructions,
        greeting: d.greeting ?? null,
        starters: d.starters,
        visibility: d.visibility,
      })
      .returning();
    await tx.insert(assistantDatasets).values(found.map((f) => ({ assistantId: row!.id, datasetId: f.id })));
    // The terms go on-chain with the assistant's asset (see createLicenseTerms).
    if (d.licenses.length)
      await tx.insert(licenseTerms).values(
        d.licenses.map((l) => ({ assistantId: row!.id, kind: l.kind, currency: l.currency, price: l.price, durationSeconds: l.durationSeconds, quota: l.quota })),
      );
    return row!;
  });
}

/** Whether `userId` may chat with the assistant: its owner always; others when it is not private. */
export function canChat(assistant: Assistant, userId: number): boolean {
  return assistant.ownerId === userId || assistant.visibility !== 'private';
}
