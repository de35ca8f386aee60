import { Resvg } from '@resvg/resvg-js';

/** Loss-curve chart as an SVG string (steps on x, loss on y, with a smoothed line). */
export function lossPlotSvg(losses: number[], params: { title?: string; width?: number; height?: number } = {}): string {
  const W = params.width ?? 640;
  const H = params.height ?? 360;
  const m = { l: 56, r: 16, t: 36, b: 40 };
  const pts = losses.filter((x) => Number.isFinite(x));
  const n = pts.length;
  const lo = n ? Math.min(...pts) : 0;
  const hi = n ? Math.max(...pts) : 1;
  const span = hi - lo || 1;
  const x = (i: number) => m.l + ((W - m.l - m.r) * i) / Math.max(1, n - 1);
  const y = (v: number) => m.t + (H - m.t - m.b) * (1 - (v - lo) / span);
  const line = (vals: number[]) => vals.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const smooth: number[] = [];
  let ema = pts[0] ?? 0;
  for (const v of pts) smooth.push((ema = 0.9 * ema + 0.1 * v));
  const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => lo + f * span);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="22" font-family="DejaVu Sans, sans-serif" font-size="15" text-anchor="middle" fill="#222">${esc(params.title ?? 'Training loss')}</text>`,
    ...ticks.map(
      (v) =>
        `<line x1="${m.l}" x2="${W - m.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/><text x="${m.l - 6}" y="${(y(v) + 4).toFixed(1)}" font-family="DejaVu Sans, sans-serif" font-size="11" text-anchor="end" fill="#555">${v.toFixed(2)}</text>`,
    ),
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#888"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#888"/>`,
    `<text x="${W / 2}" y="${H - 10}" font-family="DejaVu Sans, sans-serif" font-size="12" text-anchor="middle" fill="#555">step (${n})</text>`,
    n ? `<path d="${line(pts)}" fill="none" stroke="#9cc3f5" stroke-width="1"/>` : '',
    n ? `<path d="${line(smooth)}" fill="none" stroke="#1565c0" stroke-width="2"/>` : '',
    '</svg>',
  ].join('');
}

/** Renders the loss curve to PNG bytes server-side (SVG → resvg, no browser). */
export function renderLossPlot(losses: number[], params: { title?: string } = {}): Uint8Array {
  const svg = lossPlotSvg(losses, params);
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
