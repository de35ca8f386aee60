import type { DbOrTx } from '../db/client.ts';
import { createLinkToken } from '../wallets/createLinkToken.ts';

/** How long a dashboard link works: long enough to look around and refresh, short enough that a leaked link soon dies. */
export const DASHBOARD_TTL_MS = 30 * 60_000;

export type CreateDashboardLinkParameters = {
  userId: number;
  /** How long the link works (default {@link DASHBOARD_TTL_MS}). */
  ttlMs?: number | undefined;
};

export type CreateDashboardLinkReturnType = {
  /** The secret in the link (only its SHA-256 is stored). */
  token: string;
  /** `${publicUrl}/me/${token}`. */
  url: string;
  expiresAt: Date;
};

/**
 * Creates a link to the user's dashboard. Unlike wallet links it is not used up when opened, so
 * the page can be refreshed until the link expires; whoever holds it sees the user's dashboard.
 *
 * @example
 * const { url } = await createDashboardLink(money, { userId: user.id });
 */
export async function createDashboardLink(
  deps: { db: DbOrTx; settings: { publicUrl: string } },
  params: CreateDashboardLinkParameters,
): Promise<CreateDashboardLinkReturnType> {
  const { token, expiresAt } = await createLinkToken(deps, { userId: params.userId, purpose: 'dashboard', ttlMs: params.ttlMs ?? DASHBOARD_TTL_MS });
  return { token, url: `${deps.settings.publicUrl}/me/${token}`, expiresAt };
}
