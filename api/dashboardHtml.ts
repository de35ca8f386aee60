import { formatAmount } from '../platform/money/currencies.ts';
import { describeKind } from '../platform/money/licenseKinds.ts';
import { expiryText } from '../platform/messages/money.ts';
import type { CreatedApiKey } from '../platform/apikeys/createApiKey.ts';
import type { Dashboard } from '../platform/dashboard/getDashboard.ts';
import type { Marketplace, MarketAssistant } from '../platform/dashboard/getMarketplace.ts';
import { percentText } from '../platform/dashboard/readRevenueSplit.ts';
import { NO_EARNINGS_TEXT } from '../platform/dashboard/renderEarningsChart.ts';

/** Markup that is already safe: the only thing `html` inserts without escaping. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A template tag that escapes every value except {@link SafeHtml} (and arrays of values, each
 * escaped the same way); `null`, `undefined` and `false` render as nothing. Names come from users:
 * nothing reaches the page unescaped by accident.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  const part = (v: unknown): string => {
    if (v instanceof SafeHtml) return v.value;
    if (Array.isArray(v)) return v.map(part).join('');
    if (v === null || v === undefined || v === false) return '';
    return escapeHtml(String(v));
  };
  return new SafeHtml(strings.reduce((out, s, i) => out + s + (i < values.length ? part(values[i]) : ''), ''));
}

const STYLE = `
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d232b;background:#f6f7f9}
main{max-width:56rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0}
h2{font-size:1.15rem;margin:0 0 .5rem}
h3{font-size:1.05rem;margin:0 0 .25rem}
h4{font-size:.9rem;margin:.75rem 0 .25rem;color:#4a5563;text-transform:uppercase;letter-spacing:.03em}
section,article{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:1rem;margin:0 0 1rem}
.muted,small{color:#5b6572}
code{font:13px/1.4 ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere;word-break:break-all}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #eceef1;vertical-align:top}
th{font-weight:600;color:#4a5563;white-space:nowrap}
td.num{text-align:right;white-space:nowrap}
ul{margin:.25rem 0;padding-left:1.25rem}
img{max-width:100%;height:auto;display:block;border:1px solid #eceef1;border-radius:4px}
.tag{display:inline-block;padding:0 .4rem;border-radius:4px;font-size:.8rem;background:#eef1f5;color:#37414d}
.ok{background:#e3f4e8;color:#17622f}
.gone{background:#fbe9e9;color:#8a1f1f}
.inbox li{margin:0 0 .75rem;list-style:none}
.inbox{padding:0}
.inbox p{white-space:pre-wrap;margin:.25rem 0 0;overflow-wrap:anywhere}
form{margin:0}
label{display:inline-block;margin:0 .75rem .5rem 0}
input,select,button{font:inherit;padding:.3rem .5rem;border:1px solid #c8ced6;border-radius:4px;background:#fff;max-width:100%}
button{cursor:pointer;background:#eef1f5}
button.danger{color:#8a1f1f}
.notice{padding:.5rem .75rem;border-radius:6px;background:#eef1f5}
.notice.error{background:#fbe9e9;color:#8a1f1f}
.newkey{border:2px solid #17622f;border-radius:8px;padding:.75rem;margin:0 0 1rem;background:#f3faf5}
.prefix{white-space:nowrap;word-break:normal}
.newkey code{display:block;padding:.5rem;background:#fff;border:1px solid #e1e4e8;border-radius:4px;user-select:all}
`;

/** A whole page: the inline stylesheet carries `nonce` (the CSP allows no other style or script). */
export function page(params: { title: string; nonce: string; body: SafeHtml }): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"><title>${params.title}</title>
<style nonce="${params.nonce}">${new SafeHtml(STYLE)}</style></head>
<body><main>${params.body}</main></body></html>`.value;
}

/** `2026-12-01 14:05 UTC`. */
export function utcText(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A share as a percentage with up to 4 decimals: 1/3 → "33.3333 %". */
export function shareText(shares: bigint, total: bigint): string {
  if (total === 0n) return '0 %';
  const ppm = (shares * 1_000_000n) / total;
  return `${(Number(ppm) / 10_000).toLocaleString('en-US', { maximumFractionDigits: 4 })} %`;
}

const table = (head: string[], rows: SafeHtml[]) =>
  html`<div class="scroll"><table><thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>`;

const ROLE = { contributor: 'contributor', reviewer: 'reviewer', creator: 'creator' } as const;

/** What the API keys section shows besides the list: a key just created (its token, this once) or a notice. */
export type ApiKeysView = {
  /** The page's own path (`/me/<token>`): the forms post under it. */
  basePath: string;
  /** Base URL of the server, for the usage example. */
  publicUrl: string;
  created?: (CreatedApiKey & { assistant?: { id: string; name: string } | undefined }) | undefined;
  notice?: { text: string; error: boolean } | undefined;
};

function apiKeysSection(d: Dashboard, v: ApiKeysView): SafeHtml {
  const apiLicenses = d.licenses.filter((l) => l.kind === 'api' && l.valid);
  const c = v.created;
  const example = c
    ? c.license
      ? `curl -H "Authorization: Bearer ${c.token}" -H "Content-Type: application/json" -d '{"messages":[{"role":"user","content":"Hello"}]}' ${v.publicUrl}/v1/assistants/${c.assistant?.id ?? '<assistant id>'}/chat`
      : `curl -H "Authorization: Bearer ${c.token}" ${v.publicUrl}/v1/wallet`
    : '';
  return html`<section id="apikeys"><h2>API keys</h2>
${v.notice ? html`<p id="key-notice" class="notice${v.notice.error ? ' error' : ''}">${v.notice.text}</p>` : ''}
${
  c
    ? html`<div class="newkey" id="new-key" data-key="${c.id}"><p><b>New ${c.kind === 'license' ? `key for license #${c.license!.id}` : 'personal key'} “${c.name}”.</b> Copy it now: it is shown this once, and Caravan keeps only its hash.</p>
<code id="new-token">${c.token}</code>
<p class="muted">Use it: <code>${example}</code></p></div>`
    : ''
}
<p class="muted">A personal key acts as you over the API (datasets, assistants, licenses, earnings); a license key can only chat with its licensed assistant, within the license's calls. Reference: <a href="${v.publicUrl}/docs">${v.publicUrl}/docs</a>.</p>
${
  d.apiKeys.length
    ? table(
        ['Name', 'Kind', 'Key', 'License', 'Last used', ''],
        d.apiKeys.map(
          (k) => html`<tr data-key="${k.id}"><td>${k.name} <small>${k.id}</small></td><td>${k.kind}</td><td><code class="prefix">${k.prefix}…</code></td>
<td>${k.license ? html`#${k.license.id} <small>${k.license.assistant.name} ${k.license.assistant.id}</small>` : html`<span class="muted">—</span>`}</td>
<td>${k.lastUsedAt ? utcText(k.lastUsedAt) : html`<span class="muted">never</span>`}</td>
<td><form method="post" action="${v.basePath}/keys/${k.id}/revoke"><button type="submit" class="danger">Revoke</button></form></td></tr>`,
        ),
      )
    : html`<p class="empty">No API keys.</p>`
}
<h4>Create a key</h4>
<form method="post" action="${v.basePath}/keys#apikeys" id="create-key">
<label>Name <input name="name" maxlength="60" placeholder="production"></label>
<label>For <select name="for"><option value="personal">a personal key</option>${apiLicenses.map(
    (l) => html`<option value="license:${l.chainLicenseId.toString()}">API license #${l.chainLicenseId.toString()} (${l.assistant.name})</option>`,
  )}</select></label>
<button type="submit">Create key</button>
</form>
</section>`;
}

/** The dashboard page of one user. `imageUrl` is where the chart is served (it carries the link's token). */
export function renderDashboard(d: Dashboard, params: { nonce: string; imageUrl: string; expiresAt: Date; apiKeys: ApiKeysView }): string {
  const { addresses } = d;
  const totals = d.history.map((s) => `${formatAmount(s.points.at(-1)!.total, s.currency)} since ${s.points[0]!.day}`);
  const chartAlt = totals.length ? `Cumulative earnings by day: ${totals.join('; ')}.` : NO_EARNINGS_TEXT;
  const body = html`
<header><h1>Your Caravan dashboard</h1>
<p class="muted">Read from chain ${d.chainId} at ${utcText(d.readAt)}. Reload the page for new values: this link works until ${utcText(params.expiresAt)}. Do not share it: whoever has it sees this page.</p></header>

<section id="addresses"><h2>Addresses and balances</h2>
<p>Custodial address (Caravan keeps its key; licenses are paid from it): <code id="custodial">${addresses.custodial}</code></p>
<p>Linked wallet: ${addresses.linked ? html`<code id="linked">${addresses.linked}</code> (receipts and payouts go there)` : html`none. <span class="muted">/link in the chat links your own.</span>`}</p>
<h4>Balance of the custodial address</h4>
<ul id="balances">${d.balances.map((b) => html`<li data-currency="${b.currency.symbol}">${formatAmount(b.amount, b.currency)}</li>`)}</ul>
</section>

<section id="earnings"><h2>Earnings to claim</h2>
${
  d.earnings.length
    ? html`${table(
        ['Asset', 'Held at', 'Your share', 'Claimable now'],
        d.earnings.map(
          (e) => html`<tr data-asset="${e.chainAssetId.toString()}" data-holder="${e.holder}" data-currency="${e.currency.symbol}">
<td>${e.name} <small>${e.kind} #${e.chainAssetId.toString()}</small></td><td><code>${e.holder}</code></td>
<td class="num">${shareText(e.shares, e.totalShares)}</td><td class="num claimable">${formatAmount(e.claimable, e.currency)}</td></tr>`,
        ),
      )}
<p class="muted">Read from the revenue pool now. /claim in the chat claims what your custodial address holds; what your linked wallet holds is claimed from that wallet.</p>`
    : html`<p class="empty">Nothing to claim yet. Your receipts earn when licenses of what they cover (or of assistants built on it) are bought.</p>`
}
</section>

<section id="history"><h2>Earnings over time</h2>
<img id="chart" src="${params.imageUrl}" alt="${chartAlt}" width="640" height="${d.history.length ? 240 * d.history.length : 160}">
${
  d.history.length
    ? html`<ul>${d.history.map((s) => html`<li>${formatAmount(s.points.at(-1)!.total, s.currency)} earned since ${s.points[0]!.day}</li>`)}</ul>`
    : html`<p class="empty">${NO_EARNINGS_TEXT}: the chart fills in as the chain indexer records what your receipts earn.</p>`
}
</section>

<section id="receipts"><h2>Receipts</h2>
${
  d.receipts.length
    ? table(
        ['Receipt', 'Asset', 'Role', 'Shares', 'Share', 'Held at'],
        d.receipts.map(
          (r) => html`<tr data-receipt="${r.chainReceiptId.toString()}">
<td>#${r.chainReceiptId.toString()}</td><td>${r.asset.name} <small>${r.asset.publicId ?? ''} ${r.asset.kind} #${r.asset.chainAssetId.toString()}</small></td>
<td>${ROLE[r.role]}</td><td class="num">${r.shares.toLocaleString('en-US')} of ${r.totalShares.toLocaleString('en-US')}</td>
<td class="num share">${shareText(r.shares, r.totalShares)}</td><td><code>${r.holder}</code></td></tr>`,
        ),
      )
    : html`<p class="empty">No receipts yet. Send a dataset in the chat to earn one.</p>`
}
</section>

<section id="licenses"><h2>Licenses</h2>
${
  d.licenses.length
    ? table(
        ['License', 'Assistant', 'Kind', 'Expires', 'Status', 'Paid'],
        d.licenses.map(
          (l) => html`<tr data-license="${l.chainLicenseId.toString()}">
<td>#${l.chainLicenseId.toString()}</td><td>${l.assistant.name} <small>${l.assistant.publicId}</small></td>
<td>${describeKind(l.kind, l.durationSeconds, l.quota)}${l.kind === 'api' ? html` <small>${l.callsUsed.toLocaleString('en-US')} calls used</small>` : ''}</td>
<td class="expires">${l.expiresAt ? html`${utcText(l.expiresAt)} <small>(${expiryText(l.expiresAt)})</small>` : 'never (perpetual)'}</td>
<td>${l.valid ? html`<span class="tag ok">valid</span>` : html`<span class="tag gone">expired</span>`}</td>
<td class="num">${formatAmount(l.pricePaid, l.currency)}</td></tr>`,
        ),
      )
    : html`<p class="empty">No licenses. /buy in the chat shows what an assistant sells.</p>`
}
</section>

<section id="assistants"><h2>Your assistants</h2>
${
  d.assistants.length
    ? html`${table(
        ['Assistant', 'Visibility', 'Status', 'Credited to its receipts', 'Licenses sold'],
        d.assistants.map(
          (a) => html`<tr data-assistant="${a.publicId}">
<td>${a.name} <small>${a.publicId}</small></td><td>${a.visibility}</td><td>${a.status}</td>
<td class="num revenue">${
            a.chainAssetId === null
              ? html`<span class="muted">not on-chain yet</span>`
              : a.received.length
                ? a.received.map((r, i) => html`${i ? html`<br>` : ''}${formatAmount(r.amount, r.currency)}`)
                : html`<span class="muted">nothing yet</span>`
          }</td>
<td class="num">${a.licensesSold}</td></tr>`,
        ),
      )}
<p class="muted">What the revenue pool credited to each assistant's receipts, read from the chain: license payments after the platform fee and the royalties to its datasets, claimed or not.</p>`
    : html`<p class="empty">You have not built an assistant. /newassistant in the chat starts one.</p>`
}
</section>

<section id="inbox"><h2>Inbox</h2>
${
  d.inbox.length
    ? html`<p class="muted">Messages your chat app refused (direct messages closed or the bot blocked), newest first.</p>
<ul class="inbox">${d.inbox.map((m) => html`<li><small>${utcText(m.createdAt)}${m.hasImage ? ' · had a picture' : ''}</small><p>${m.text}</p></li>`)}</ul>`
    : html`<p class="empty">No messages waiting: the chat delivered every one.</p>`
}
</section>

${apiKeysSection(d, params.apiKeys)}`;
  return page({ title: 'Caravan — your dashboard', nonce: params.nonce, body });
}

function splitItems(a: MarketAssistant): SafeHtml {
  const s = a.split!;
  const parents =
    s.parents === 0
      ? null
      : s.parents === 1
        ? html`<li><b>${percentText(s.parentsBps)}</b> to the dataset it was trained on</li>`
        : html`<li><b>${percentText(s.parentsBps)}</b> to the ${s.parents} datasets it was trained on (${percentText(s.parentsBps / s.parents)} each)</li>`;
  return html`<ul class="split"><li><b>${percentText(s.feeBps)}</b> platform fee</li>${parents}<li><b>${percentText(s.creatorBps)}</b> to its creator</li></ul>`;
}

function assistantCard(a: MarketAssistant): SafeHtml {
  const offers =
    a.chainAssetId === null
      ? html`<p class="muted">Being registered on-chain: its licenses go on sale then.</p>`
      : a.offers.length
        ? html`<ul class="offers">${a.offers.map((o) => html`<li>${describeKind(o.kind, o.durationSeconds, o.quota)}: <b>${formatAmount(o.price, o.currency)}</b></li>`)}</ul>`
        : html`<p>Free to chat with: it sells no licenses.</p>`;
  const { open, privateCount } = a.lineage;
  const lineage =
    open.length || privateCount
      ? html`<ul class="lineage">${open.map((d) => html`<li>${d.name} <small>${d.publicId}</small></li>`)}${
          privateCount ? html`<li class="muted">${open.length ? 'and ' : ''}${privateCount} private dataset${privateCount === 1 ? '' : 's'}</li>` : ''
        }</ul>`
      : html`<p class="muted">No datasets.</p>`;
  return html`<article class="assistant" data-id="${a.publicId}">
<h3>${a.name} <small>${a.publicId}</small></h3>${a.tagline ? html`<p>${a.tagline}</p>` : ''}
<h4>Licenses</h4>${offers}
<h4>Trained on</h4>${lineage}
${a.split ? html`<h4>Where a payment goes</h4>${splitItems(a)}` : ''}
<p class="muted">In the chat: <code>/ask ${a.publicId} …</code>${a.offers.length ? html` or <code>/buy ${a.publicId}</code>` : ''}</p>
</article>`;
}

/** The public marketplace page. */
export function renderMarketplace(m: Marketplace, params: { nonce: string; readAt: Date }): string {
  const afterFee = 10_000 - m.rates.feeBps;
  const body = html`
<header><h1>Caravan marketplace</h1>
<p>Assistants people built in the chat, and the open datasets anyone may build on. Every license payment goes to an on-chain revenue pool:
<b id="fee">${percentText(m.rates.feeBps)}</b> platform fee, then <b id="royalty">${percentText(m.rates.royaltyBps)}</b> of the rest
(${percentText((afterFee * m.rates.royaltyBps) / 10_000)} of the payment) in equal parts to the datasets the assistant was trained on, and the remainder to its creator.</p>
<p class="muted">Prices and rates read from chain at ${utcText(params.readAt)}.</p></header>

<section id="assistants"><h2>Assistants</h2>
${m.assistants.length ? m.assistants.map(assistantCard) : html`<p class="empty">No public assistants yet. /newassistant in the chat builds one.</p>`}
</section>

<section id="datasets"><h2>Open datasets</h2>
${
  m.datasets.length
    ? table(
        ['Dataset', 'Format', 'Rows', 'Assistants built on it', 'On-chain'],
        m.datasets.map(
          (d) => html`<tr data-id="${d.publicId}"><td>${d.name} <small>${d.publicId}</small></td><td>${d.format}</td>
<td class="num">${d.rows.toLocaleString('en-US')}</td><td class="num built">${d.assistants}</td>
<td>${d.chainAssetId === null ? html`<span class="muted">not yet</span>` : `asset #${d.chainAssetId.toString()}`}</td></tr>`,
        ),
      )
    : html`<p class="empty">No open datasets yet. Send one in the chat and choose Open.</p>`
}
</section>`;
  return page({ title: 'Caravan — marketplace', nonce: params.nonce, body });
}
