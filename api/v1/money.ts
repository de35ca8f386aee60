import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { findApiAssistant } from '../../platform/assistants/findApiAssistant.ts';
import { readLicenseUsage, type LicenseUsage } from '../../platform/apikeys/readLicenseUsage.ts';
import { toChainError } from '../../platform/chain/toChainError.ts';
import { listLicenseStatus, type LicenseStatus } from '../../platform/dashboard/listLicenseStatus.ts';
import { listReceiptShares } from '../../platform/dashboard/listReceiptShares.ts';
import { BaseError, NotFoundError } from '../../platform/errors.ts';
import { buyLicense } from '../../platform/money/buyLicense.ts';
import { claimEarnings } from '../../platform/money/claimEarnings.ts';
import { findCurrency, formatAmount, type Currency } from '../../platform/money/currencies.ts';
import { getWallet } from '../../platform/money/getWallet.ts';
import { describeKind } from '../../platform/money/licenseKinds.ts';
import { listEarnings } from '../../platform/money/listEarnings.ts';
import { quoteLicenses } from '../../platform/money/quoteLicenses.ts';
import type { V1Deps } from './createV1Router.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { defineRoute, errorSchema, pageOf, pageQuery, type Route } from './route.ts';
import { address, idParam, timestamp, units } from './schemas.ts';

const currencySchema = z
  .object({
    symbol: z.string().meta({ example: 'USDC' }),
    address: address.meta({ description: 'The ERC-20 contract, or the zero address for ETH.' }),
    decimals: z.number().int().meta({ example: 6 }),
  })
  .meta({ id: 'Currency' });

const amountSchema = z
  .object({
    amount: units,
    currency: currencySchema,
    text: z.string().meta({ description: 'The amount for people.', example: '5 USDC' }),
  })
  .meta({ id: 'Amount' });

const kindSchema = z.enum(['period', 'perpetual', 'api']).meta({
  id: 'LicenseKind',
  description: '`period`: chat for a period; `perpetual`: chat for good; `api`: calls over this API, a quota per period.',
});

const offerSchema = z
  .object({
    kind: kindSchema,
    description: z.string().meta({ example: 'API license (30 days, 1,000 calls)' }),
    price: amountSchema.meta({ description: 'What a purchase pays now, read from `Licenses.termsOf`.' }),
    durationSeconds: z.number().int().meta({ description: 'How long a license lasts (one period); 0 for perpetual licenses.' }),
    quota: z.number().int().meta({ description: 'API calls per period (API licenses); 0 otherwise.' }),
    termsId: z.string().meta({ description: 'The on-chain terms id (`Licenses.purchase(termsId, …)`).', example: '3' }),
  })
  .meta({ id: 'LicenseOffer' });

const offersSchema = z
  .object({
    assistant: z.object({ id: z.string(), name: z.string() }),
    items: z.array(offerSchema).meta({ description: 'At most one per kind; none: the assistant is free to chat with (or its terms are not on-chain yet).' }),
  })
  .meta({ id: 'LicenseOffers' });

const usageSchema = z
  .object({
    calls: z.number().int().meta({ description: 'Calls counted in the current period.' }),
    quota: z.number().int(),
    periodEnd: timestamp.meta({ description: 'When the period ends and the quota starts again (in the last period: when the license ends).' }),
  })
  .meta({ id: 'LicenseUsage' });

const licenseSchema = z
  .object({
    id: z.string().meta({ description: 'The on-chain license id (an ERC-721 token of `Licenses`).', example: '7' }),
    assistant: z.object({ id: z.string(), name: z.string() }),
    kind: kindSchema,
    expiresAt: timestamp.nullable().meta({ description: 'By the chain\'s clock; null: perpetual.' }),
    valid: z.boolean().meta({ description: '`Licenses.isValid` now.' }),
    durationSeconds: z.number().int(),
    quota: z.number().int().meta({ description: 'API calls per period (API licenses); 0 otherwise.' }),
    usage: usageSchema.nullable().meta({ description: 'API licenses: the calls of the current period.' }),
    pricePaid: amountSchema,
  })
  .meta({ id: 'License' });

const boughtLicenseSchema = licenseSchema.extend({ txHash: z.string().meta({ description: 'The purchase transaction.' }) }).meta({ id: 'BoughtLicense' });

const buyBody = z
  .strictObject({
    assistant: z.string().min(1).max(64).meta({ description: 'The assistant id.', example: 'as_4k9x2m7qa1' }),
    kind: kindSchema,
    maxPrice: z
      .string()
      .regex(/^\d{1,78}$/, 'an amount in the smallest unit, as a decimal string')
      .meta({
        description: 'The most you agree to pay, in the smallest unit (the offer\'s `price.amount`). If the price on-chain is higher the purchase is refused (409 `price_changed`) and nothing is paid.',
        example: '25000000',
      }),
    idempotencyKey: z
      .string()
      .regex(/^[A-Za-z0-9_-]{8,64}$/, '8 to 64 letters, digits, - or _')
      .optional()
      .meta({ description: 'Sending the same key again (a retry after a timeout) returns the same purchase instead of buying twice.' }),
  })
  .meta({ id: 'BuyLicense' });

const receiptSchema = z
  .object({
    id: z.string().meta({ description: 'The on-chain receipt id (an ERC-721 token of `Receipts`).', example: '12' }),
    role: z.enum(['contributor', 'reviewer', 'creator']),
    asset: z.object({
      id: z.string().meta({ description: 'The on-chain asset id.' }),
      kind: z.enum(['dataset', 'model', 'assistant']),
      name: z.string(),
      publicId: z.string().nullable().meta({ description: 'The dataset or assistant id (`ds_…`, `as_…`).' }),
    }),
    holder: address.meta({ description: 'Who holds the receipt now (`Receipts.ownerOf`): your custodial address or your linked wallet.' }),
    shares: units.meta({ description: "The receipt's shares of the asset (`Receipts.receiptInfo`)." }),
    totalShares: units.meta({ description: "The asset's shares in all (`Receipts.totalShares`)." }),
    share: z.string().meta({ description: 'shares / totalShares, for people.', example: '33.3333 %' }),
    txHash: z.string().meta({ description: 'The transaction that issued it.' }),
  })
  .meta({ id: 'Receipt' });

const earningSchema = z
  .object({
    asset: z.object({ id: z.string().meta({ description: 'The on-chain asset id.' }), kind: z.enum(['dataset', 'model', 'assistant']), name: z.string() }),
    holder: address.meta({ description: 'The address the receipts are held at: your custodial address (claimed with `POST /earnings/claim`) or your linked wallet (it claims itself).' }),
    claimable: amountSchema.meta({ description: 'Claimable now (`RevenuePool.claimable`).' }),
    shares: units,
    totalShares: units,
    share: z.string().meta({ example: '100 %' }),
  })
  .meta({ id: 'Earning' });

const claimSchema = z
  .object({
    paid: z.array(amountSchema.extend({ txHash: z.string() })).meta({ description: 'What was paid to your custodial address, per currency, with the claim transaction.' }),
    walletClaimable: z.array(amountSchema).meta({ description: 'What your linked wallet can claim itself (the platform cannot sign for it).' }),
  })
  .meta({ id: 'Claim' });

const walletSchema = z
  .object({
    chainId: z.number().int(),
    custodial: address.meta({ description: 'The address the platform keeps the key of: licenses are paid from it, deposits go to it.' }),
    linked: address.nullable().meta({ description: 'Your own wallet, when linked: receipts and payouts go there.' }),
    balances: z.array(amountSchema).meta({ description: 'The custodial balances, read from the chain now.' }),
  })
  .meta({ id: 'Wallet' });

/** An amount as the API answers it. */
function amountOf(amount: bigint, currency: Currency) {
  return { amount: amount.toString(), currency: { symbol: currency.symbol, address: currency.address, decimals: currency.decimals }, text: formatAmount(amount, currency) };
}

/** `shares / total` as a percentage with up to 4 decimals: 1/3 → "33.3333 %". */
function shareText(shares: bigint, total: bigint): string {
  if (total === 0n) return '0 %';
  const ppm = (shares * 1_000_000n) / total;
  return `${(Number(ppm) / 10_000).toLocaleString('en-US', { maximumFractionDigits: 4 })} %`;
}

/** Chain reads of money/ let viem's errors through: here they become `ChainError`s (503 when the node does not answer). */
async function fromChain<T>(read: Promise<T>, what: string): Promise<T> {
  try {
    return await read;
  } catch (cause) {
    if (cause instanceof BaseError) throw cause;
    throw toChainError(cause, what);
  }
}

function licenseOf(l: LicenseStatus, usage: LicenseUsage | undefined) {
  return {
    id: l.chainLicenseId.toString(),
    assistant: { id: l.assistant.publicId, name: l.assistant.name },
    kind: l.kind,
    expiresAt: l.expiresAt?.toISOString() ?? null,
    valid: l.valid,
    durationSeconds: l.durationSeconds,
    quota: l.quota,
    usage: usage ? { calls: usage.calls, quota: usage.quota, periodEnd: usage.periodEnd.toISOString() } : null,
    pricePaid: amountOf(l.pricePaid, l.currency),
  };
}

/** The usage of the API licenses among `rows`, by row id. */
const usageOf = (deps: V1Deps, rows: LicenseStatus[]) =>
  readLicenseUsage(
    deps.money,
    rows.map((l) => ({ id: l.id, kind: l.kind, expiresAt: l.expiresAt, durationSeconds: l.durationSeconds, quota: l.quota })),
  );

/** `/v1` money: license offers and purchases, own licenses, receipts, earnings and claims, the wallet. */
export function moneyRoutes(deps: V1Deps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/assistants/{id}/licenses',
      operationId: 'listLicenseOffers',
      summary: 'The licenses an assistant sells, with the prices the chain asks now',
      tag: 'money',
      auth: 'public',
      params: idParam('The assistant id.', 'as_4k9x2m7qa1'),
      errors: [401, 403, 404],
      responses: { 200: { description: 'The offers.', schema: offersSchema } },
      handle: async ({ params, principal }) => {
        const a = await findApiAssistant(deps.money, { principal, idText: params.id, ready: false });
        const quotes = await fromChain(quoteLicenses(deps.money, a.id), 'Licenses.termsOf');
        const currencyOf = (address: `0x${string}`): Currency => findCurrency(deps.money.currencies, address) ?? { symbol: 'units', address, decimals: 0 };
        return {
          assistant: { id: a.publicId, name: a.name },
          items: quotes.map((q) => ({
            kind: q.terms.kind,
            description: describeKind(q.terms.kind, q.terms.durationSeconds, q.terms.quota),
            price: amountOf(q.price, currencyOf(q.currency)),
            durationSeconds: q.terms.durationSeconds,
            quota: q.terms.quota,
            termsId: q.chainTermsId.toString(),
          })),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/licenses',
      operationId: 'buyLicense',
      summary: 'Buy a license from your custodial balance (the platform pays the gas)',
      description:
        'Pays the price the chain asks, at most `maxPrice`, from your custodial balance (fund it with a deposit to `GET /wallet`\'s `custodial` address), ' +
        'exactly like the Pay button in the chat. The payment goes to the revenue pool: the platform fee, royalties to the datasets the assistant was trained on, the rest to its creator. ' +
        'An API license then gets keys bound to it with `POST /keys` (`kind: license`).',
      tag: 'money',
      auth: 'personal',
      body: buyBody,
      errors: [404],
      responses: {
        201: { description: 'The license, as the purchase recorded it on-chain.', schema: boughtLicenseSchema },
        402: { description: 'Your balance does not cover the price (`insufficient_funds`); nothing was paid.', schema: errorSchema },
        409: { description: 'The price on-chain is above `maxPrice` (`price_changed`); nothing was paid.', schema: errorSchema },
      },
      handle: async ({ principal, body }) => {
        const a = await findApiAssistant(deps.money, { principal, idText: body.assistant, ready: false });
        const quotes = await fromChain(quoteLicenses(deps.money, a.id), 'Licenses.termsOf');
        const quote = quotes.find((q) => q.terms.kind === body.kind);
        if (!quote)
          throw new NotFoundError(
            `${a.name} sells no ${body.kind} license${quotes.length ? ` (it sells: ${quotes.map((q) => q.terms.kind).join(', ')})` : ''}.`,
          );
        const requestKey = body.idempotencyKey ? `api:${principal.userId}:${quote.terms.id}:${body.idempotencyKey}` : randomUUID();
        const bought = await buyLicense(deps.money, { userId: principal.userId, termsRowId: quote.terms.id, maxPrice: BigInt(body.maxPrice), requestKey });
        const [status] = (await listLicenseStatus(deps.money, principal.userId, { before: bought.id + 1, limit: 1 })).filter((l) => l.id === bought.id);
        if (!status) throw new NotFoundError(`License #${bought.chainLicenseId} is not yours.`);
        return { ...licenseOf(status, (await usageOf(deps, [status])).get(status.id)), txHash: bought.txHash };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/licenses',
      operationId: 'listLicenses',
      summary: 'Your licenses: expiry and validity from the chain, and for API licenses the calls of this period',
      tag: 'money',
      auth: 'personal',
      query: pageQuery,
      responses: { 200: { description: 'A page of licenses, newest first.', schema: pageOf(licenseSchema, 'LicensePage') } },
      handle: async ({ principal, query }) => {
        const rows = await listLicenseStatus(deps.money, principal.userId, { before: decodeCursor(query.cursor), limit: query.limit + 1 });
        const page = rows.slice(0, query.limit);
        const usage = await usageOf(deps, page);
        return { items: page.map((l) => licenseOf(l, usage.get(l.id))), nextCursor: encodeCursor(rows.length > query.limit ? page.at(-1)!.id : null) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/receipts',
      operationId: 'listReceipts',
      summary: 'Your receipts: the assets they are shares of, and the shares read from the chain',
      tag: 'money',
      auth: 'personal',
      query: pageQuery,
      responses: { 200: { description: 'A page of receipts, oldest first.', schema: pageOf(receiptSchema, 'ReceiptPage') } },
      handle: async ({ principal, query }) => {
        const after = decodeCursor(query.cursor);
        const rows = await listReceiptShares(deps.money, principal.userId, { after: after === undefined ? undefined : BigInt(after), limit: query.limit + 1 });
        const page = rows.slice(0, query.limit);
        return {
          items: page.map((r) => ({
            id: r.chainReceiptId.toString(),
            role: r.role,
            asset: { id: r.asset.chainAssetId.toString(), kind: r.asset.kind, name: r.asset.name, publicId: r.asset.publicId },
            holder: r.holder,
            shares: r.shares.toString(),
            totalShares: r.totalShares.toString(),
            share: shareText(r.shares, r.totalShares),
            txHash: r.txHash,
          })),
          nextCursor: encodeCursor(rows.length > query.limit ? Number(page.at(-1)!.chainReceiptId) : null),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/earnings',
      operationId: 'listEarnings',
      summary: 'What your receipts earned and can claim now, per asset and currency, read from the chain',
      tag: 'money',
      auth: 'personal',
      responses: {
        200: {
          description: 'One line per asset, holding address and currency the asset was paid in (lines with nothing left to claim are kept, with your share).',
          schema: z.object({ items: z.array(earningSchema) }).meta({ id: 'Earnings' }),
        },
      },
      handle: async ({ principal }) => {
        const lines = await fromChain(listEarnings(deps.money, principal.userId), 'RevenuePool.claimable');
        return {
          items: lines.map((l) => ({
            asset: { id: l.chainAssetId.toString(), kind: l.kind, name: l.name },
            holder: l.holder,
            claimable: amountOf(l.claimable, l.currency),
            shares: l.shares.toString(),
            totalShares: l.totalShares.toString(),
            share: shareText(l.shares, l.totalShares),
          })),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/earnings/claim',
      operationId: 'claimEarnings',
      summary: 'Claim everything your custodial address earned (one transaction per currency; the platform pays the gas)',
      description: 'Nothing to claim is a 400. What your linked wallet holds is reported in `walletClaimable`: that wallet claims it itself.',
      tag: 'money',
      auth: 'personal',
      responses: { 200: { description: 'What was paid.', schema: claimSchema } },
      handle: async ({ principal }) => {
        const r = await fromChain(claimEarnings(deps.money, { userId: principal.userId, requestKey: randomUUID() }), 'RevenuePool.claimMany');
        return {
          paid: r.paid.map((p) => ({ ...amountOf(p.amount, p.currency), txHash: p.txHash })),
          walletClaimable: r.walletClaimable.map((w) => amountOf(w.amount, w.currency)),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/wallet',
      operationId: 'getWallet',
      summary: 'Your addresses and custodial balances, read from the chain',
      tag: 'money',
      auth: 'personal',
      responses: { 200: { description: 'The wallet.', schema: walletSchema } },
      handle: async ({ principal }) => {
        const w = await fromChain(getWallet(deps.money, principal.userId), 'balanceOf');
        return { chainId: w.chainId, custodial: w.custodial, linked: w.linked, balances: w.balances.map((b) => amountOf(b.amount, b.currency)) };
      },
    }),
  ];
}
