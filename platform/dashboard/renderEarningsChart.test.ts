import { describe, expect, it } from 'vitest';
import type { Currency } from '../money/currencies.ts';
import { earningsChartSvg, NO_EARNINGS_TEXT, renderEarningsChart } from './renderEarningsChart.ts';

const USDC: Currency = { symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 };
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from a PNG's IHDR chunk. */
const sizeOf = (png: Uint8Array) => {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
};

describe('earnings chart', () => {
  it('says there is nothing yet when no earnings were recorded', () => {
    const svg = earningsChartSvg([]);
    expect(svg).toContain(NO_EARNINGS_TEXT);
    expect(svg).not.toContain('<path');
    const png = renderEarningsChart([]);
    expect([...png.subarray(0, 8)]).toEqual(PNG);
    expect(sizeOf(png)).toEqual({ width: 640, height: 160 });
  });

  it('draws one panel per currency, a step line up to the last total, with the first and last days', () => {
    const series = [
      {
        currency: USDC,
        points: [
          { day: '2026-11-20', total: 3_800_000n },
          { day: '2026-11-25', total: 4_750_000n },
        ],
      },
      { currency: { ...USDC, symbol: 'E<T>H', decimals: 18 }, points: [{ day: '2026-12-01', total: 10n ** 16n }] },
    ];
    const svg = earningsChartSvg(series, { today: '2026-12-01' });
    expect(svg).toContain('Earned in USDC, cumulative');
    expect(svg).toContain('Earned in E&#60;T&#62;H, cumulative');
    expect(svg).toContain('>2026-11-20<');
    expect(svg).toContain('>2026-12-01<');
    expect(svg).toContain('>5<');
    expect(svg).toContain('>1.25<');
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    const png = renderEarningsChart(series, { today: '2026-12-01' });
    expect([...png.subarray(0, 8)]).toEqual(PNG);
    expect(sizeOf(png)).toEqual({ width: 640, height: 480 });
  });
});
