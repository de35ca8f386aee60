import { and, eq, isNull } from 'drizzle-orm';
import { BaseError as ViemBaseError, HttpRequestError, isHex, TimeoutError, WebSocketRequestError, type Address, type Hex } from 'viem';
import { parseSiweMessage } from 'viem/siwe';
import { isUniqueViolation, type Db } from '../db/client.ts';
import { users, walletLinks } from '../db/schema.ts';
import { ChainError, InputError, NotFoundError } from '../errors.ts';
import type { ChainDeps } from '../chain/clients.ts';
import { consumeLinkToken } from './consumeLinkToken.ts';
import { createLinkToken } from './createLinkToken.ts';
import { WalletConflictError } from './errors.ts';
import { listHeldReceipts, type HeldReceipt } from './listHeldReceipts.ts';
import { readLinkToken } from './readLinkToken.ts';

/** How long the page may take to get the rebind signature after linking. */
export const REBIND_LINK_TTL_MS = 15 * 60_000;

export type CompleteWalletLinkParameters = {
  token: string;
  /** The EIP-4361 message exactly as issued by `startWalletLink`. */
  message: string;
  /** The wallet's signature of it (EOA, ERC-1271 or ERC-6492). */
  signature: string;
  /** The authority the page is served at; the message must name it. */
  domain: string;
};

export type CompleteWalletLinkReturnType = {
  address: Address;
  /** Receipts still held at the user's custodial address, for the page to move with a rebind. */
  receipts: HeldReceipt[];
  /** A one-time token for the rebind (purpose 'rebind'), when there are receipts to move. */
  rebindToken: string | undefined;
};

export type CompleteWalletLinkDeps = { db: Db; chain: Pick<ChainDeps, 'chainId' | 'publicClient'>; settings: { publicUrl: string } };

/**
 * Completes a wallet link: the message must be one `startWalletLink` issued for this link, unused
 * and unexpired, for this domain and chain, and signed by its address (checked with
 * `verifySiweMessage`, so contract wallets work too). Then, in one transaction, the nonce is
 * spent, the wallet becomes the user's, and the link is used. A replayed message is refused.
 *
 * @throws NotFoundError (unknown, expired or used link), InputError (a message or signature that
 * does not check out), WalletConflictError (a replay, a wallet linked to another account, another
 * wallet already linked), ChainError (the chain could not be asked; retryable).
 */
export async function completeWalletLink(deps: CompleteWalletLinkDeps, params: CompleteWalletLinkParameters): Promise<CompleteWalletLinkReturnType> {
  const link = await readLinkToken(deps, params.token, 'link');
  if (!isHex(params.signature) || params.signature.length < 4) throw new InputError('The signature is not a hex string.');
  const signature = params.signature as Hex;
  const parsed = parseSiweMessage(params.message);
  if (!parsed.nonce || !parsed.address) throw new InputError('This is not a sign-in message issued by Caravan.');

  const [issued] = await deps.db.select().from(walletLinks).where(eq(walletLinks.nonce, parsed.nonce));
  // The stored message is compared as a whole: nothing in it can differ from what was issued.
  if (!issued || issued.userId !== link.userId || issued.message !== params.message)
    throw new InputError('This sign-in message was not issued by Caravan for this link.');
  if (issued.linkedAt) throw new WalletConflictError('This sign-in message was used already: a signature links a wallet once. Start again from the page.');
  if (issued.expiresAt.getTime() <= Date.now()) throw new InputError('This sign-in message expired. Start again from the page.');
  if (parsed.domain !== params.domain) throw new InputError(`This sign-in message is for ${parsed.domain}, not ${params.domain}.`);
  if (parsed.chainId !== deps.chain.chainId) throw new InputError(`This sign-in message is for chain ${parsed.chainId}; Caravan runs on chain ${deps.chain.chainId}.`);

  const address = issued.address as Address;
  let valid: boolean;
  try {
    valid = await deps.chain.publicClient.verifySiweMessage({ message: params.message, signature, domain: params.domain, nonce: issued.nonce, address });
  } catch (cause) {
    const transport = cause instanceof ViemBaseError && cause.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError || e instanceof WebSocketRequestError);
    if (transport) throw new ChainError('The signature could not be checked: the chain does not answer. Try again in a moment.', { cause, retryable: true });
    throw new InputError('The signature could not be read.', { cause });
  }
  if (!valid) throw new InputError(`The signature does not match the message and ${address}: nothing was linked.`);

  try {
    return await deps.db.transaction(async (tx) => {
      const spent = await tx
        .update(walletLinks)
        .set({ signature, linkedAt: new Date() })
        .where(and(eq(walletLinks.id, issued.id), isNull(walletLinks.linkedAt)))
        .returning({ id: walletLinks.id });
      if (!spent.length) throw new WalletConflictError('This sign-in message was used already: a signature links a wallet once. Start again from the page.');
      const [user] = await tx.select().from(users).where(eq(users.id, link.userId)).for('update');
      if (!user) throw new NotFoundError(`User ${link.userId} does not exist.`);
      if (user.walletAddress && user.walletAddress !== address)
        throw new WalletConflictError(`Your account already has wallet ${user.walletAddress} linked. Send /unlink in the chat first to link another one.`);
      await tx.update(users).set({ walletAddress: address }).where(eq(users.id, user.id));
      await consumeLinkToken({ db: tx }, link.id);
      const receipts = await listHeldReceipts({ db: tx }, { userId: user.id, holder: user.custodialAddress });
      const rebind = receipts.length
        ? await createLinkToken({ db: tx, settings: deps.settings }, { userId: user.id, purpose: 'rebind', ttlMs: REBIND_LINK_TTL_MS })
        : undefined;
      return { address, receipts, rebindToken: rebind?.token };
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new WalletConflictError(`This wallet is linked to another Caravan account. Unlink it there first (/unlink), then try again.`, { cause: err });
    throw err;
  }
}
