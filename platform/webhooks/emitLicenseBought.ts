import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { assistants } from '../db/schema.ts';
import { emitWebhookEvent } from './emitWebhookEvent.ts';
import type { EmitWebhookDeps } from './types.ts';

export type LicenseBought = {
  chainId: number;
  txHash: string;
  logIndex: number;
  chainLicenseId: bigint;
  assistantId: number;
  /** The buyer's user (null: an address no user owns). */
  userId: number | null;
  holderAddress: string;
  kind: string;
  currency: string;
  pricePaid: bigint;
  expiresAt: Date | null;
};

/**
 * `license.bought`, for the assistant's creator (`role: "creator"`) and for the buyer
 * (`role: "buyer"`), as the indexer records a `LicensePurchased`. Ids are the event's chain
 * position and the role, so replaying the block sends nothing new. Called inside the indexing
 * transaction without `jobs`: the sweep queues the deliveries once it commits.
 */
export async function emitLicenseBought(deps: EmitWebhookDeps & { db: DbOrTx }, license: LicenseBought): Promise<void> {
  const [assistant] = await deps.db
    .select({ ownerId: assistants.ownerId, publicId: assistants.publicId, name: assistants.name })
    .from(assistants)
    .where(eq(assistants.id, license.assistantId));
  if (!assistant) return;
  const data = {
    license: {
      id: license.chainLicenseId.toString(),
      kind: license.kind,
      price: license.pricePaid.toString(),
      currency: license.currency,
      expiresAt: license.expiresAt?.toISOString() ?? null,
      holder: license.holderAddress,
    },
    assistant: { id: assistant.publicId, name: assistant.name },
    chain: { id: license.chainId, txHash: license.txHash, logIndex: license.logIndex },
  };
  const id = `license.bought:${license.chainId}:${license.txHash.toLowerCase()}:${license.logIndex}`;
  await emitWebhookEvent(deps, { userId: assistant.ownerId, type: 'license.bought', eventId: `${id}:creator`, data: { ...data, role: 'creator' } });
  if (license.userId !== null)
    await emitWebhookEvent(deps, { userId: license.userId, type: 'license.bought', eventId: `${id}:buyer`, data: { ...data, role: 'buyer' } });
}
