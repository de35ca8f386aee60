import { randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import { z } from 'zod';
import { findChatAssistant } from '../../../platform/assistants/findChatAssistant.ts';
import { fitLabel, type ReplyButton } from '../../../platform/chat/reply.ts';
import { InputError } from '../../../platform/errors.ts';
import { buyLicense } from '../../../platform/money/buyLicense.ts';
import { claimEarnings } from '../../../platform/money/claimEarnings.ts';
import { currencyNamed, findCurrency, formatAmount, parseAmount } from '../../../platform/money/currencies.ts';
import { getWallet } from '../../../platform/money/getWallet.ts';
import { describeKind, type LicenseKind } from '../../../platform/money/licenseKinds.ts';
import { listEarnings } from '../../../platform/money/listEarnings.ts';
import { listLicenses } from '../../../platform/money/listLicenses.ts';
import { findTerms } from '../../../platform/money/listTerms.ts';
import { quoteLicenses } from '../../../platform/money/quoteLicenses.ts';
import { renewLicense } from '../../../platform/money/renewLicense.ts';
import { setLicensePrice } from '../../../platform/money/setLicensePrice.ts';
import { setNotifyPreference, getNotifyPreference } from '../../../platform/money/setNotifyPreference.ts';
import { walletClaimLink } from '../../../platform/money/walletClaimLink.ts';
import { walletPurchaseLink } from '../../../platform/money/walletPurchaseLink.ts';
import { checkWithdrawal, withdrawFunds } from '../../../platform/money/withdrawFunds.ts';
import { chainNow } from '../../../platform/money/chainNow.ts';
import { useFaucet } from '../../../platform/money/useFaucet.ts';
import { expiryText, priceText } from '../../../platform/messages/money.ts';
import { DEV_CHAIN_ID } from '../../../platform/chain/ensureDeployment.ts';
import type { ChatContext } from '../context.ts';
import { arg, defineAction, defineCommand, type Feature } from '../registry.ts';

/** A purchase confirmation works for 10 minutes: a price older than that is shown again. */
const CONFIRM_TTL_MS = 10 * 60_000;

const money = (ctx: ChatContext) => ctx.deps.money;

async function licenseCard(ctx: ChatContext, idText: string) {
  const user = await ctx.user();
  const a = await findChatAssistant(ctx.deps, { userId: user.id, idText, ready: false });
  const quotes = await quoteLicenses(money(ctx), a.id);
  if (!quotes.length) {
    await ctx.reply(
      a.ownerId === user.id
        ? `${a.name} sells no licenses yet${a.status === 'ready' ? '' : ' (they go on sale once it is trained and registered)'}. Set prices with /price.`
        : `${a.name} sells no licenses${a.status === 'ready' ? ': it is free to chat with' : ' yet'}.`,
    );
    return;
  }
  const buttons: ReplyButton[] = await Promise.all(
    quotes.map(async (q) => ({
      kind: 'button' as const,
      label: fitLabel(`${describeKind(q.terms.kind, q.terms.durationSeconds, q.terms.quota)} · ${priceText(money(ctx).currencies, q.price, q.currency)}`),
      id: await ctx.control('license.choose', { termsRowId: q.terms.id, price: q.price.toString() }, { ttlMs: CONFIRM_TTL_MS }),
    })),
  );
  await ctx.reply({
    text: [
      `🛒 Licenses for ${a.name} (${a.publicId}), prices read from the chain now:`,
      ...quotes.map((q) => `• ${describeKind(q.terms.kind, q.terms.durationSeconds, q.terms.quota)}: ${priceText(money(ctx).currencies, q.price, q.currency)}`),
      '',
      'Each payment goes to the revenue pool: a platform fee, royalties to the datasets it was trained on, the rest to its creator. Choose one:',
    ].join('\n'),
    personal: true,
    rows: [{ buttons }],
  });
}

async function walletText(ctx: ChatContext): Promise<string> {
  const w = await getWallet(money(ctx), (await ctx.user()).id);
  return [
    `👛 Your custodial address (chain ${w.chainId}): ${w.custodial}`,
    w.linked ? `🔗 Linked wallet: ${w.linked} (receipts and payouts go there)` : 'No wallet linked: /link connects your own.',
    '',
    'Balance:',
    ...w.balances.map((b) => `• ${formatAmount(b.amount, b.currency)}`),
    '',
    `Add funds with /deposit${w.chainId === DEV_CHAIN_ID ? ', or /faucet for test money on this dev chain' : ''}. The platform pays gas for what you do here.`,
  ].join('\n');
}

/** Wallet, deposits, licenses, earnings and claims. */
export const moneyFeature: Feature = {
  name: 'money',
  title: 'Money',
  commands: [
    defineCommand({
      name: 'wallet',
      description: 'Your address and balances',
      args: {},
      personal: true,
      run: async (ctx) => void (await ctx.reply({ text: await walletText(ctx), personal: true })),
    }),
    defineCommand({
      name: 'faucet',
      description: 'Dev chain only: test money for your wallet',
      args: {},
      personal: true,
      async run(ctx) {
        const f = await useFaucet(money(ctx), (await ctx.user()).id);
        const usdc = money(ctx).currencies[0]!;
        await ctx.reply({ text: `🚰 Sent ${formatAmount(f.tokenUnits, usdc)} and ${formatAmount(f.ethWei, { symbol: 'ETH', address: f.address, decimals: 18 })} to ${f.address}.\n\n${await walletText(ctx)}`, personal: true });
      },
    }),
    defineCommand({
      name: 'deposit',
      description: 'The address to send funds to, with a QR code',
      args: {},
      personal: true,
      async run(ctx) {
        const w = await getWallet(money(ctx), (await ctx.user()).id);
        const uri = `ethereum:${w.custodial}@${w.chainId}`;
        const png = await QRCode.toBuffer(uri, { type: 'png', width: 360, margin: 2 });
        await ctx.reply({
          text: `📥 Send ${money(ctx).currencies.map((c) => c.symbol).join(' or ')} on chain ${w.chainId} to:\n${w.custodial}\n\nOnly this chain: funds sent on another network are not seen here. /wallet shows your balance.`,
          image: { png, fileName: 'deposit.png' },
          personal: true,
        });
      },
    }),
    defineCommand({
      name: 'buy',
      description: 'Buy a license to chat with an assistant',
      args: { assistant: arg.assistant('The assistant (as_…)') },
      personal: true,
      run: (ctx, { assistant }) => licenseCard(ctx, assistant),
    }),
    defineCommand({
      name: 'licenses',
      description: 'Your licenses and when they expire',
      args: {},
      personal: true,
      async run(ctx) {
        const rows = await listLicenses(ctx.deps, (await ctx.user()).id);
        if (!rows.length) {
          await ctx.reply({ text: 'No licenses yet. /buy <assistant> shows what one sells.', personal: true });
          return;
        }
        const now = await chainNow(money(ctx));
        const renewable = rows.filter((r) => r.license.kind !== 'perpetual').slice(0, 5);
        const buttons = await Promise.all(
          renewable.map(async (r) => ({ kind: 'button' as const, label: fitLabel(`🔄 Renew #${r.license.chainLicenseId} ${r.assistant.name}`), id: await ctx.control('license.renew', { licenseId: r.license.id }) })),
        );
        await ctx.reply({
          text: [
            '🎫 Your licenses:',
            ...rows.map(
              (r) =>
                `• #${r.license.chainLicenseId} ${r.assistant.name} (${r.assistant.publicId}) — ${describeKind(r.license.kind, r.durationSeconds ?? 0, r.license.quota)}, ${r.license.expiresAt && r.license.expiresAt.getTime() < now.getTime() ? '' : 'expires '}${expiryText(r.license.expiresAt, now)}`,
            ),
          ].join('\n'),
          personal: true,
          ...(buttons.length ? { rows: [{ buttons }] } : {}),
        });
      },
    }),
    defineCommand({
      name: 'renew',
      description: 'Renew one of your licenses',
      args: { license: arg.word<false>('The license number (from /licenses)', { required: false }) },
      personal: true,
      async run(ctx, { license }) {
        const rows = (await listLicenses(ctx.deps, (await ctx.user()).id)).filter((r) => r.license.kind !== 'perpetual');
        const chosen = license ? rows.find((r) => r.license.chainLicenseId.toString() === license.replace(/^#/, '')) : rows.length === 1 ? rows[0] : undefined;
        if (license && !chosen) throw new InputError(`No renewable license #${license.replace(/^#/, '')} of yours. /licenses lists them.`);
        if (!chosen) {
          await ctx.reply({ text: rows.length ? 'Which one? /licenses has a Renew button for each.' : 'No renewable licenses.', personal: true });
          return;
        }
        await renewConfirmation(ctx, chosen.license.id);
      },
    }),
    defineCommand({
      name: 'earnings',
      description: 'What your receipts earned and can claim now',
      args: {},
      personal: true,
      async run(ctx) {
        const lines = await listEarnings(money(ctx), (await ctx.user()).id);
        if (!lines.length) {
          await ctx.reply({ text: 'No earnings yet. Your receipts earn when licenses of what they cover (or of assistants built on it) are bought.', personal: true });
          return;
        }
        const claimable = lines.some((l) => l.claimable > 0n);
        await ctx.reply({
          text: [
            '💰 Your earnings, read from the chain:',
            ...lines.map(
              (l) =>
                `• ${l.name} (asset #${l.chainAssetId}): ${formatAmount(l.claimable, l.currency)} to claim — your share ${shareText(l.shares, l.totalShares)}${l.holder ? ` at ${short(l.holder)}` : ''}`,
            ),
          ].join('\n'),
          personal: true,
          ...(claimable ? { rows: [{ buttons: [{ kind: 'button' as const, label: '💸 Claim', style: 'success' as const, id: await ctx.control('money.claim', { requestKey: randomUUID() }, { once: true }) }] }] } : {}),
        });
      },
    }),
    defineCommand({
      name: 'claim',
      description: 'Claim everything you earned to your address',
      args: {},
      personal: true,
      run: (ctx) => claim(ctx, randomUUID()),
    }),
    defineCommand({
      name: 'withdraw',
      description: 'Send funds from your balance to another address',
      args: {
        address: arg.word('Where to send (0x…)'),
        amount: arg.word('How much'),
        token: arg.word<false>('Which currency (default: the first one, e.g. USDC)', { required: false }),
      },
      personal: true,
      async run(ctx, { address, amount, token }) {
        const currency = token ? currencyNamed(money(ctx).currencies, token) : money(ctx).currencies[0]!;
        const units = parseAmount(amount, currency);
        const user = await ctx.user();
        const { to } = await checkWithdrawal(money(ctx), { userId: user.id, to: address, amount: units, currency });
        await ctx.reply({
          text: `Send ${formatAmount(units, currency)} from your custodial address to ${to}? Transfers on-chain cannot be undone: check the address.`,
          personal: true,
          rows: [
            {
              buttons: [
                {
                  kind: 'button',
                  label: `Send ${formatAmount(units, currency)}`,
                  style: 'danger',
                  id: await ctx.control('money.withdraw', { to, amount: units.toString(), currency: currency.address, requestKey: randomUUID() }, { once: true, ttlMs: CONFIRM_TTL_MS }),
                },
                { kind: 'button', label: 'Cancel', style: 'secondary', id: await ctx.control('money.cancel', {}, { ttlMs: CONFIRM_TTL_MS }) },
              ],
            },
          ],
        });
      },
    }),
    defineCommand({
      name: 'notify',
      description: 'Earnings messages: on, digest or off',
      args: {
        mode: arg.choice<'on' | 'digest' | 'off', false>(
          'How to hear about earnings',
          [
            { label: 'each earning', value: 'on' },
            { label: 'a digest', value: 'digest' },
            { label: 'off', value: 'off' },
          ],
          { required: false },
        ),
      },
      personal: true,
      async run(ctx, { mode }) {
        const user = await ctx.user();
        if (!mode) {
          await ctx.reply({ text: `Earnings messages: ${await getNotifyPreference(ctx.deps, user.id)}. Change with /notify on, /notify digest or /notify off.`, personal: true });
          return;
        }
        await setNotifyPreference(ctx.deps, user.id, mode);
        const said = { on: 'You will get a message for each earning.', digest: 'You will get one message for the earnings of each minute or so.', off: 'No more earnings messages; /earnings still shows them.' };
        await ctx.reply({ text: `🔔 ${said[mode]}`, personal: true });
      },
    }),
    defineCommand({
      name: 'price',
      description: 'Set the price of a license of your assistant',
      args: {
        assistant: arg.assistant('Your assistant (as_…)'),
        kind: arg.choice('Which license', [
          { label: 'period', value: 'period' },
          { label: 'perpetual', value: 'perpetual' },
          { label: 'api', value: 'api' },
        ]),
        amount: arg.word('New price (0 stops selling it)'),
      },
      personal: true,
      async run(ctx, { assistant, kind, amount }) {
        const currency = money(ctx).currencies[0]!;
        const price = parseAmount(amount, currency);
        const user = await ctx.user();
        const r = await setLicensePrice(money(ctx), { userId: user.id, assistantPublicId: assistant, kind: kind as LicenseKind, price, requestKey: randomUUID() });
        const what = describeKind(kind as LicenseKind, kind === 'perpetual' ? 0 : money(ctx).settings.periodSeconds, kind === 'api' ? money(ctx).settings.apiQuota : 0);
        const said = {
          priced: `✅ The ${what} now costs ${formatAmount(price, currency)}. Licenses already sold keep their price.`,
          offered: `✅ Now selling a ${what} for ${formatAmount(price, currency)}.`,
          retired: `✅ The ${what} is no longer sold; licenses already sold stay valid until they expire.`,
          unchanged: `The ${what} was not on sale; nothing changed.`,
        };
        await ctx.reply({ text: said[r.action], personal: true });
      },
    }),
  ],
  actions: [
    defineAction({
      name: 'license.card',
      data: z.object({ assistant: z.string() }),
      run: (ctx, { assistant }) => licenseCard(ctx, assistant),
    }),
    defineAction({
      name: 'license.choose',
      data: z.object({ termsRowId: z.number().int(), price: z.string() }),
      async run(ctx, { termsRowId, price }) {
        const user = await ctx.user();
        const w = await getWallet(money(ctx), user.id);
        const quote = await findTerms(ctx.deps, termsRowId);
        const currency = findCurrency(money(ctx).currencies, quote.currency) ?? money(ctx).currencies[0]!;
        const have = w.balances.find((b) => b.currency.address === currency.address)?.amount ?? 0n;
        const wallet = w.linked ? await walletPurchaseLink(money(ctx), { userId: user.id, termsRowId, maxPrice: BigInt(price) }) : undefined;
        await ctx.reply({
          text: `Pay ${formatAmount(BigInt(price), currency)} from your balance (${formatAmount(have, currency)}) for a ${describeKind(quote.kind, quote.durationSeconds, quote.quota)}? The platform pays the gas.${
            wallet ? `\nOr pay from your linked wallet ${w.linked} on a page that works for 15 minutes (your wallet pays the gas there).` : ''
          }`,
          personal: true,
          rows: [
            {
              buttons: [
                { kind: 'button', label: `Pay ${formatAmount(BigInt(price), currency)}`, style: 'success', id: await ctx.control('license.buy', { termsRowId, price, requestKey: randomUUID() }, { once: true, ttlMs: CONFIRM_TTL_MS }) },
                ...(wallet ? [{ kind: 'link' as const, label: '👛 Pay from my wallet', url: wallet.url }] : []),
                { kind: 'button', label: 'Cancel', style: 'secondary', id: await ctx.control('money.cancel', {}, { ttlMs: CONFIRM_TTL_MS }) },
              ],
            },
          ],
        });
      },
    }),
    defineAction({
      name: 'license.buy',
      data: z.object({ termsRowId: z.number().int(), price: z.string(), requestKey: z.string() }),
      async run(ctx, { termsRowId, price, requestKey }) {
        const user = await ctx.user();
        await ctx.update({ text: '⏳ Paying on-chain…', personal: true });
        const license = await buyLicense(money(ctx), { userId: user.id, termsRowId, maxPrice: BigInt(price), requestKey });
        const currency = findCurrency(money(ctx).currencies, license.currency) ?? money(ctx).currencies[0]!;
        await ctx.update({
          text: `✅ License #${license.chainLicenseId} bought for ${formatAmount(license.pricePaid, currency)}: ${license.expiresAt ? `valid until ${license.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'perpetual'}.\ntx: ${license.txHash}`,
          personal: true,
        });
      },
    }),
    defineAction({
      name: 'license.renew',
      data: z.object({ licenseId: z.number().int() }),
      run: (ctx, { licenseId }) => renewConfirmation(ctx, licenseId),
    }),
    defineAction({
      name: 'license.renewPay',
      data: z.object({ licenseId: z.number().int(), price: z.string(), requestKey: z.string() }),
      async run(ctx, { licenseId, price, requestKey }) {
        const user = await ctx.user();
        await ctx.update({ text: '⏳ Renewing on-chain…', personal: true });
        const license = await renewLicense(money(ctx), { userId: user.id, licenseId, maxPrice: BigInt(price), requestKey });
        await ctx.update({ text: `✅ License #${license.chainLicenseId} renewed: expires ${expiryText(license.expiresAt, await chainNow(money(ctx)))}.`, personal: true });
      },
    }),
    defineAction({
      name: 'money.claim',
      data: z.object({ requestKey: z.string() }),
      run: (ctx, { requestKey }) => claim(ctx, requestKey),
    }),
    defineAction({
      name: 'money.withdraw',
      data: z.object({ to: z.string(), amount: z.string(), currency: z.string(), requestKey: z.string() }),
      async run(ctx, { to, amount, currency: address, requestKey }) {
        const currency = findCurrency(money(ctx).currencies, address);
        if (!currency) throw new InputError('That currency is no longer accepted.');
        await ctx.update({ text: '⏳ Sending on-chain…', personal: true });
        const r = await withdrawFunds(money(ctx), { userId: (await ctx.user()).id, to, amount: BigInt(amount), currency, requestKey });
        await ctx.update({ text: `✅ Sent ${formatAmount(BigInt(amount), currency)} to ${r.to}.\ntx: ${r.txHash}`, personal: true });
      },
    }),
    defineAction({
      name: 'money.cancel',
      data: z.object({}).passthrough(),
      run: async (ctx) => void (await ctx.update({ text: 'Cancelled; nothing was paid.', personal: true })),
    }),
  ],
};

async function renewConfirmation(ctx: ChatContext, licenseId: number) {
  const rows = await listLicenses(ctx.deps, (await ctx.user()).id);
  const found = rows.find((r) => r.license.id === licenseId);
  if (!found) throw new InputError('No such license of yours.');
  const quotes = await quoteLicenses(money(ctx), found.assistant.id);
  const q = quotes.find((x) => x.chainTermsId === found.license.chainTermsId);
  if (!q) throw new InputError(`The terms of license #${found.license.chainLicenseId} are no longer sold; /buy ${found.assistant.publicId} shows what is.`);
  const price = priceText(money(ctx).currencies, q.price, q.currency);
  await ctx.reply({
    text: `Renew license #${found.license.chainLicenseId} for ${found.assistant.name} (${expiryText(found.license.expiresAt, await chainNow(money(ctx))).replace(/^in /, 'expires in ')}) for ${price}? It extends by ${Math.round(q.terms.durationSeconds / 86_400)} days from its expiry (or from now if it already expired).`,
    personal: true,
    rows: [
      {
        buttons: [
          { kind: 'button', label: `Pay ${price}`, style: 'success', id: await ctx.control('license.renewPay', { licenseId, price: q.price.toString(), requestKey: randomUUID() }, { once: true, ttlMs: CONFIRM_TTL_MS }) },
          { kind: 'button', label: 'Cancel', style: 'secondary', id: await ctx.control('money.cancel', {}, { ttlMs: CONFIRM_TTL_MS }) },
        ],
      },
    ],
  });
}

async function claim(ctx: ChatContext, requestKey: string) {
  const r = await claimEarnings(money(ctx), {
    userId: (await ctx.user()).id,
    requestKey,
    onSending: async () => void (await ctx.reply({ text: '⏳ Claiming on-chain…', personal: true })),
  });
  const lines = [
    ...r.paid.map((p) => `✅ Claimed ${formatAmount(p.amount, p.currency)} to your custodial address (tx ${p.txHash}).`),
    ...r.walletClaimable.map((w) => `🔗 ${formatAmount(w.amount, w.currency)} was earned by the receipts in your linked wallet: claim it from that wallet.`),
  ];
  const user = await ctx.user();
  const link =
    r.walletClaimable.length && user.walletAddress
      ? await walletClaimLink(money(ctx), { userId: user.id, wallet: user.walletAddress as `0x${string}`, lines: await listEarnings(money(ctx), user.id) })
      : undefined;
  await ctx.reply({
    text: lines.join('\n'),
    personal: true,
    ...(link ? { rows: [{ buttons: [{ kind: 'link' as const, label: '👛 Claim from my wallet', url: link.url }] }] } : {}),
  });
}

function shareText(shares: bigint, total: bigint): string {
  if (total === 0n) return '0 %';
  const bp = (shares * 1_000_000n) / total; // parts per million
  return `${(Number(bp) / 10_000).toLocaleString('en-US', { maximumFractionDigits: 4 })} %`;
}

const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
