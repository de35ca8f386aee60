import crypto from 'node:crypto';
import type { Db } from '../db/client.ts';
import { chatComponents } from '../db/schema.ts';

export type CreateComponentParameters = {
  /** Name of the action a press runs (`review.approve`). */
  action: string;
  /** What the action needs (JSON). */
  data: unknown;
  /** Only this user may use it; omit for controls any authorised person may press. */
  ownerUserId?: number | null | undefined;
  /** Acts once; a second press is refused as already done. */
  once?: boolean | undefined;
  /** How long it works (default 7 days). */
  ttlMs?: number | undefined;
};

export const DEFAULT_COMPONENT_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Stores a control's meaning and returns its id (22 URL-safe characters, which fit Discord's
 * custom ids and Telegram's 64-byte callback data with room to spare). Presses after a restart
 * find it here.
 */
export async function createComponent(deps: { db: Db }, params: CreateComponentParameters): Promise<string> {
  const id = crypto.randomBytes(16).toString('base64url');
  await deps.db.insert(chatComponents).values({
    id,
    action: params.action,
    data: params.data ?? {},
    ownerUserId: params.ownerUserId ?? null,
    once: params.once ? 1 : 0,
    expiresAt: new Date(Date.now() + (params.ttlMs ?? DEFAULT_COMPONENT_TTL_MS)),
  });
  return id;
}
