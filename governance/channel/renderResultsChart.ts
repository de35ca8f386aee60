import { Resvg } from '@resvg/resvg-js';
import { voteNumber } from '../../platform/messages/format.ts';

const FONT = 'DejaVu Sans, sans-serif';
/** Wide enough that Discord's embed (about 400 px wide) shows the text at half size, still readable. */
export const CHART_WIDTH = 800;
/** At most this many bars; the rest are summed on one line. */
export const MAX_BARS = 20;
const PAD = 28;
const HEAD = 104;
const ROW = 70;
const BAR_H = 26;
const TRACK = '#e6e8ef';
const BAR = '#5865f2';
const LEADER = '#2e7d32';

/** What the chart shows: the proposal's choices and scores, and where voting stands. */
export type ResultsChartInput = {
  title: string;
  choices: readonly string[];
  scores: readonly number[];
  /** `open` while voting, `pending` before it starts, `closed` after (the leader is drawn green). */
  state: 'pending' | 'open' | 'closed';
  /** How many voted (the bars show voting power). */
  votes: number;
};

/** A bar as drawn: its choice, share of all votes (0 to 1) and rectangle. */
export type ChartBar = { label: string; score: number; share: number; x: number; y: number; width: number; height: number; color: string };

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const cut = (s: string, n: number) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
};
/** A share as a whole percent, or one decimal under 10 % (never a false 0 % for a choice that has votes). */
export const formatShare = (share: number) => (share > 0 && share < 0.1 ? `${(share * 100).toFixed(1)} %` : `${Math.round(share * 100)} %`);

/** The bars of the chart: one per choice (the first MAX_BARS; the others summed into one), width by share of the total. */
export function chartBars(input: ResultsChartInput): ChartBar[] {
  const total = input.scores.reduce((a, b) => a + (b > 0 ? b : 0), 0);
  const scores = input.choices.map((_, i) => Math.max(0, input.scores[i] ?? 0));
  const best = Math.max(...scores);
  const items = scores.slice(0, MAX_BARS).map((score, i) => ({ label: `${i + 1}. ${cut(input.choices[i]!, 46)}`, score, leader: input.state === 'closed' && score > 0 && score === best }));
  if (scores.length > MAX_BARS) {
    const rest = scores.slice(MAX_BARS).reduce((a, b) => a + b, 0);
    items.push({ label: `${scores.length - MAX_BARS} more choices`, score: rest, leader: false });
  }
  const trackW = CHART_WIDTH - 2 * PAD;
  return items.map((it, i) => {
    const share = total > 0 ? it.score / total : 0;
    return { label: it.label, score: it.score, share, x: PAD, y: HEAD + i * ROW + 34, width: Math.round(trackW * share), height: BAR_H, color: it.leader ? LEADER : BAR };
  });
}

/** The results chart as SVG: the title, where voting stands, and a bar per choice with its votes and share. */
export function resultsChartSvg(input: ResultsChartInput): string {
  const bars = chartBars(input);
  const H = HEAD + bars.length * ROW + PAD;
  const W = CHART_WIDTH;
  const trackW = W - 2 * PAD;
  const state = input.state === 'open' ? 'Voting open' : input.state === 'pending' ? 'Voting not started' : 'Final result';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${PAD}" y="46" font-family="${FONT}" font-size="30" font-weight="bold" fill="#1f2330">${esc(cut(input.title, 44))}</text>`,
    `<text x="${PAD}" y="84" font-family="${FONT}" font-size="22" fill="#555b6e">${state} · ${input.votes} voter${input.votes === 1 ? '' : 's'}</text>`,
    ...bars.map(
      (b) =>
        `<text x="${PAD}" y="${b.y - 9}" font-family="${FONT}" font-size="22" fill="#1f2330">${esc(b.label)}</text>` +
        `<text x="${W - PAD}" y="${b.y - 9}" font-family="${FONT}" font-size="22" text-anchor="end" fill="#1f2330">${voteNumber(b.score)} · ${formatShare(b.share)}</text>` +
        `<rect x="${PAD}" y="${b.y}" width="${trackW}" height="${b.height}" rx="4" fill="${TRACK}"/>` +
        (b.width > 0 ? `<rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" fill="${b.color}"/>` : ''),
    ),
    '</svg>',
  ].join('');
}

/** Renders the results chart to PNG bytes (SVG → resvg, no browser); 800 px wide, taller with more choices. */
export function renderResultsChart(input: ResultsChartInput): { png: Uint8Array; width: number; height: number } {
  const image = new Resvg(resultsChartSvg(input), { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render();
  const png = image.asPng();
  return { png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), width: image.width, height: image.height };
}
