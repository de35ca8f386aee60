import { Resvg } from '@resvg/resvg-js';
import { formatUnits } from 'viem';
import type { EarningsSeries } from './listEarningsHistory.ts';

const FONT = 'DejaVu Sans, sans-serif';
const DAY_MS = 86_400_000;

/** What the empty chart says. */
export const NO_EARNINGS_TEXT = 'No earnings recorded yet';

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** The smallest of 1, 2, 2.5, 4, 5, 8 or 10 × 10^k at or above `v`, so the quarter ticks read well. */
function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const base = 10 ** Math.floor(Math.log10(v));
  return base * ([1, 2, 2.5, 4, 5, 8, 10].find((f) => f * base >= v * (1 - 1e-12)) ?? 10);
}

/** A tick label: 1234.5 → "1,234.5", 0.000123 → "0.000123". */
function tickText(v: number): string {
  return v.toLocaleString('en-US', { maximumSignificantDigits: 4 });
}

/**
 * The earnings chart as an SVG string: one panel per currency, the running total by day as a step
 * line from the first day with earnings to `today`; a short message when there is nothing to draw.
 */
export function earningsChartSvg(series: readonly EarningsSeries[], params: { today?: string; width?: number } = {}): string {
  const W = params.width ?? 640;
  const panelH = 240;
  const today = params.today ?? new Date().toISOString().slice(0, 10);
  const drawn = series.filter((s) => s.points.length);
  if (!drawn.length) {
    const H = 160;
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
      `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
      `<text x="${W / 2}" y="${H / 2 - 6}" font-family="${FONT}" font-size="16" text-anchor="middle" fill="#444">${NO_EARNINGS_TEXT}</text>`,
      `<text x="${W / 2}" y="${H / 2 + 18}" font-family="${FONT}" font-size="12" text-anchor="middle" fill="#777">Your receipts earn when licenses of what they cover are bought.</text>`,
      '</svg>',
    ].join('');
  }
  const H = panelH * drawn.length;
  const m = { l: 72, r: 20, t: 34, b: 36 };
  const panels = drawn.map((s, p) => {
    const top = p * panelH;
    const firstDay = s.points[0]!.day;
    const lastDay = [today, s.points.at(-1)!.day].sort().at(-1)!;
    const first = dayMs(firstDay);
    // The axis runs to the end of the last day, so earnings of a single day still draw a line.
    const end = dayMs(lastDay) + DAY_MS;
    const span = end - first;
    const values = s.points.map((pt) => Number(formatUnits(pt.total, s.currency.decimals)));
    const hi = niceCeil(Math.max(...values));
    const x = (ms: number) => m.l + ((W - m.l - m.r) * (ms - first)) / span;
    const y = (v: number) => top + m.t + (panelH - m.t - m.b) * (1 - v / hi);
    // A step line: each total holds until the next day with earnings, the last one to the end of the axis.
    let d = `M${x(first).toFixed(1)},${y(0).toFixed(1)}`;
    s.points.forEach((pt, i) => {
      const at = x(dayMs(pt.day));
      d += ` L${at.toFixed(1)},${y(i ? values[i - 1]! : 0).toFixed(1)} L${at.toFixed(1)},${y(values[i]!).toFixed(1)}`;
    });
    d += ` L${x(end).toFixed(1)},${y(values.at(-1)!).toFixed(1)}`;
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * hi);
    return [
      `<text x="${m.l}" y="${top + 22}" font-family="${FONT}" font-size="14" fill="#222">Earned in ${esc(s.currency.symbol)}, cumulative</text>`,
      ...ticks.map(
        (v) =>
          `<line x1="${m.l}" x2="${W - m.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>` +
          `<text x="${m.l - 6}" y="${(y(v) + 4).toFixed(1)}" font-family="${FONT}" font-size="11" text-anchor="end" fill="#555">${tickText(v)}</text>`,
      ),
      `<line x1="${m.l}" y1="${y(0).toFixed(1)}" x2="${W - m.r}" y2="${y(0).toFixed(1)}" stroke="#888"/>`,
      `<text x="${m.l}" y="${top + panelH - 14}" font-family="${FONT}" font-size="11" text-anchor="start" fill="#555">${firstDay}</text>`,
      lastDay === firstDay ? '' : `<text x="${W - m.r}" y="${top + panelH - 14}" font-family="${FONT}" font-size="11" text-anchor="end" fill="#555">${lastDay}</text>`,
      `<path d="${d}" fill="none" stroke="#1565c0" stroke-width="2"/>`,
      ...s.points.map((pt, i) => `<circle cx="${x(dayMs(pt.day)).toFixed(1)}" cy="${y(values[i]!).toFixed(1)}" r="3" fill="#1565c0"/>`),
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    ...panels,
    '</svg>',
  ].join('');
}

/** Renders the earnings chart to PNG bytes server-side (SVG → resvg, no browser). */
export function renderEarningsChart(series: readonly EarningsSeries[], params: { today?: string; width?: number } = {}): Uint8Array {
  const png = new Resvg(earningsChartSvg(series, params), { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
