import { eq } from 'drizzle-orm';
import type { Address } from 'viem';
import { listApiKeys, type ApiKeyInfo } from '../apikeys/listApiKeys.ts';
import { toChainError } from '../chain/toChainError.ts';
import { users } from '../db/schema.ts';
import { BaseError, NotFoundError } from '../errors.ts';
import type { Currency } from '../money/currencies.ts';
import { getWallet } from '../money/getWallet.ts';
import { listEarnings, type EarningLine } from '../money/listEarnings.ts';
import type { MoneyDeps } from '../money/types.ts';
import { listAssistantRevenue, type AssistantRevenue } from './listAssistantRevenue.ts';
import { listEarningsHistory, type EarningsSeries } from './listEarningsHistory.ts';
import { listInbox, type InboxMessage } from './listInbox.ts';
import { listLicenseStatus, type LicenseStatus } from './listLicenseStatus.ts';
import { listReceiptShares, type ReceiptShare } from './listReceiptShares.ts';

/** Everything the dashboard page shows one user. Amounts and shares are read from the chain. */
export type Dashboard = {
  user: { id: number; displayName: string | null };
  chainId: number;
  /** The address Caravan keeps the key of, and the user's own wallet when linked. */
  addresses: { custodial: Address; linked: Address | null };
  /** Balances of the custodial address. */
  balances: Array<{ currency: Currency; amount: bigint }>;
  /** What can be claimed now, per asset, currency and holding address (`RevenuePool.claimable`). */
  earnings: EarningLine[];
  /** Cumulative earnings per currency by day, from the indexed `earnings` rows (empty until the indexer records some). */
  history: EarningsSeries[];
  receipts: ReceiptShare[];
  licenses: LicenseStatus[];
  assistants: AssistantRevenue[];
  /** Messages the user's chat refused for good, newest first. */
  inbox: InboxMessage[];
  /** The user's live API keys, newest first (never the tokens). */
  apiKeys: ApiKeyInfo[];
  /** When it was read. */
  readAt: Date;
};

/** Runs a read of money/ (which lets viem's errors through) with them turned into `ChainError`s. */
async function onChain<T>(read: Promise<T>, what: string): Promise<T> {
  try {
    return await read;
  } catch (cause) {
    if (cause instanceof BaseError) throw cause;
    throw toChainError(cause, what);
  }
}

/**
 * The user's dashboard: addresses, balances, claimable earnings, earnings over time, receipts with
 * their share, licenses with their expiry, the assistants they created with what those brought in,
 * the web inbox and the API keys.
 *
 * @throws NotFoundError when the user does not exist; ChainError (retryable) when the chain does not answer.
 * @example
 * const d = await getDashboard(money, link.userId);
 */
export async function getDashboard(deps: MoneyDeps, userId: number): Promise<Dashboard> {
  const [user] = await deps.db.select({ id: users.id, displayName: users.displayName }).from(users).where(eq(users.id, userId));
  if (!user) throw new NotFoundError(`User ${userId} does not exist.`);
  const wallet = await onChain(getWallet(deps, userId), 'balanceOf');
  const addresses = { custodial: wallet.custodial, linked: wallet.linked };
  const [earnings, history, receipts, licenses, assistants, inbox, apiKeys] = await Promise.all([
    onChain(listEarnings(deps, userId), 'RevenuePool.claimable'),
    listEarningsHistory(deps, { addresses: [wallet.custodial, ...(wallet.linked ? [wallet.linked] : [])] }),
    listReceiptShares(deps, userId),
    listLicenseStatus(deps, userId),
    listAssistantRevenue(deps, userId),
    listInbox(deps, userId),
    listApiKeys(deps, { userId }).then((page) => page.keys),
  ]);
  return { user, chainId: wallet.chainId, addresses, balances: wallet.balances, earnings, history, receipts, licenses, assistants, inbox, apiKeys, readAt: new Date() };
}
