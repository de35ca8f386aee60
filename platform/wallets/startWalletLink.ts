import { eq } from 'drizzle-orm';
import { getAddress, isAddress, type Address } from 'viem';
import { createSiweMessage, generateSiweNonce } from 'viem/siwe';
import type { Db } from '../db/client.ts';
import { users, walletLinks } from '../db/schema.ts';
import { InputError, NotFoundError } from '../errors.ts';
import type { ChainDeps } from '../chain/clients.ts';
import { WalletConflictError } from './errors.ts';
import { readLinkToken } from './readLinkToken.ts';

/** How long a sign-in message can be signed and sent back. */
export const SIWE_TTL_MS = 10 * 60_000;

/** What the wallet shows above the message: what signing it does (one line, EIP-4361). */
export const LINK_STATEMENT =
  'Link this wallet to your Caravan account: receipts Caravan issues to you from now on go to this wallet. Signing is free and sends no transaction.';

export type StartWalletLinkParameters = {
  /** The one-time link token from the chat. */
  token: string;
  /** The wallet's account, as the wallet reported it. */
  address: string;
  /** RFC 3986 authority of the page (`caravan.example`, `127.0.0.1:3000`). */
  domain: string;
  /** The page's URI, shown in the message. */
  uri: string;
  /** `http` or `https`; written into the message when given. */
  scheme?: string | undefined;
};

export type StartWalletLinkReturnType = { message: string; nonce: string; expiresAt: Date };

/**
 * Issues a Sign-In with Ethereum (EIP-4361) message for the wallet to sign: a fresh server nonce,
 * this chain's id, the page's domain, and a 10-minute expiry. The nonce and the exact message
 * are stored, so only a message issued here, once, can complete the link.
 *
 * @throws NotFoundError for an unknown, expired or used link; InputError for a malformed
 * address; WalletConflictError when the account already has another wallet linked.
 */
export async function startWalletLink(
  deps: { db: Db; chain: Pick<ChainDeps, 'chainId'> },
  params: StartWalletLinkParameters,
): Promise<StartWalletLinkReturnType> {
  const link = await readLinkToken(deps, params.token, 'link');
  if (!isAddress(params.address, { strict: false })) throw new InputError(`"${params.address}" is not an Ethereum address.`);
  const address: Address = getAddress(params.address);
  const [user] = await deps.db.select({ walletAddress: users.walletAddress }).from(users).where(eq(users.id, link.userId));
  if (!user) throw new NotFoundError(`User ${link.userId} does not exist.`);
  if (user.walletAddress && user.walletAddress !== address)
    throw new WalletConflictError(`Your account already has wallet ${user.walletAddress} linked. Send /unlink in the chat first to link another one.`);

  const nonce = generateSiweNonce();
  const issuedAt = new Date();
  const expiresAt = new Date(issuedAt.getTime() + SIWE_TTL_MS);
  let message: string;
  try {
    message = createSiweMessage({
      address,
      chainId: deps.chain.chainId,
      domain: params.domain,
      nonce,
      uri: params.uri,
      version: '1',
      issuedAt,
      expirationTime: expiresAt,
      statement: LINK_STATEMENT,
      ...(params.scheme ? { scheme: params.scheme } : {}),
    });
  } catch (cause) {
    throw new InputError('The sign-in message could not be built for this page address.', { cause });
  }
  await deps.db.insert(walletLinks).values({ userId: link.userId, nonce, address, message, expiresAt });
  return { message, nonce, expiresAt };
}
