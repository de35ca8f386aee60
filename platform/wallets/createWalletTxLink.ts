import { z } from 'zod';
import { getAddress, isAddress, isHex, type Address, type Hex } from 'viem';
import type { Db } from '../db/client.ts';
import { InputError } from '../errors.ts';
import { createLinkToken } from './createLinkToken.ts';
import { findWalletUser } from './findWalletUser.ts';

/** One transaction the linked wallet sends itself. */
export type WalletCall = { to: Address; data: Hex; value: bigint; label: string };

export const MAX_WALLET_CALLS = 5;

/** What a transaction link stores (JSON: the value as a decimal string). */
export const walletTxPayload = z.object({
  title: z.string().min(1).max(200),
  /** The wallet linked when the link was made; only it may send the calls. */
  from: z.string().refine((a) => isAddress(a), 'not an address'),
  calls: z
    .array(
      z.object({
        to: z.string().refine((a) => isAddress(a), 'not an address'),
        data: z.string().refine((d) => isHex(d), 'not hex'),
        value: z.string().regex(/^\d+$/),
        label: z.string().min(1).max(200),
      }),
    )
    .min(1)
    .max(MAX_WALLET_CALLS),
});

export type WalletTxPayload = z.infer<typeof walletTxPayload>;

export type CreateWalletTxLinkParameters = {
  userId: number;
  /** What the page says the transactions are for ("Buy a 30-day license to …"). */
  title: string;
  /** Sent in order, each its own transaction. */
  calls: WalletCall[];
  ttlMs: number;
};

/**
 * A one-time page (`/wallet/tx/<token>`) where the user's linked wallet sends `calls` itself:
 * what a custodial account would otherwise send, for users whose receipts and money live in
 * their own wallet.
 *
 * @throws InputError when no wallet is linked or a call is malformed.
 */
export async function createWalletTxLink(
  deps: { db: Db; settings: { publicUrl: string } },
  params: CreateWalletTxLinkParameters,
): Promise<{ token: string; url: string; expiresAt: Date }> {
  const { wallet } = await findWalletUser(deps, params.userId);
  const parsed = walletTxPayload.safeParse({
    title: params.title,
    from: wallet,
    calls: params.calls.map((c) => ({ to: c.to, data: c.data, value: c.value.toString(), label: c.label })),
  });
  if (!parsed.success) throw new InputError(`The transactions cannot be offered: ${parsed.error.issues[0]!.path.join('.')} ${parsed.error.issues[0]!.message}.`);
  const payload = { ...parsed.data, calls: parsed.data.calls.map((c) => ({ ...c, to: getAddress(c.to) })) };
  const link = await createLinkToken(deps, { userId: params.userId, purpose: 'tx', payload, ttlMs: params.ttlMs });
  return { token: link.token, url: `${deps.settings.publicUrl}/wallet/tx/${link.token}`, expiresAt: link.expiresAt };
}
