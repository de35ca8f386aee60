import { describe, expect, it } from 'vitest';
import { countColour, decodePng } from '../../test/helpers/png.ts';
import { CHART_WIDTH, MAX_BARS, chartBars, renderResultsChart, resultsChartSvg } from './renderResultsChart.ts';

describe('renderResultsChart', () => {
  const input = { title: 'Lower the fee to 4 %', choices: ['Yes', 'No', 'Later'], scores: [30, 10, 0], state: 'open' as const, votes: 3 };

  it('draws one bar per choice, as wide as its share of the votes, in a PNG that decodes', () => {
    const { png, width, height } = renderResultsChart(input);
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([width, height]);
    expect(width).toBe(CHART_WIDTH);
    expect(height).toBe(104 + 3 * 70 + 28);
    const bars = chartBars(input);
    const track = CHART_WIDTH - 2 * 28;
    expect(bars.map((b) => b.share)).toEqual([0.75, 0.25, 0]);
    expect(bars.map((b) => b.width)).toEqual([Math.round(track * 0.75), Math.round(track * 0.25), 0]);
    // In the picture: the bar's colour spans its share of the track, the rest of the track is grey.
    for (const b of bars) {
      const y = b.y + Math.floor(b.height / 2);
      expect(Math.abs(countColour(img, y, '#5865f2') - b.width)).toBeLessThanOrEqual(2);
      expect(Math.abs(countColour(img, y, '#e6e8ef') - (track - b.width))).toBeLessThanOrEqual(4);
    }
  });

  it('prints each choice with its votes and share, the title and where voting stands', () => {
    const svg = resultsChartSvg(input);
    expect(svg).toContain('Lower the fee to 4 %');
    expect(svg).toContain('Voting open · 3 voters');
    expect(svg).toContain('1. Yes');
    expect(svg).toContain('30 · 75 %');
    expect(svg).toContain('10 · 25 %');
    expect(svg).toContain('0 · 0 %');
  });

  it('draws the winner green once voting is over, and nothing for a proposal without votes', () => {
    const closed = chartBars({ ...input, state: 'closed' });
    expect(closed.map((b) => b.color)).toEqual(['#2e7d32', '#5865f2', '#5865f2']);
    const img = decodePng(renderResultsChart({ ...input, state: 'closed' }).png);
    expect(countColour(img, closed[0]!.y + 10, '#2e7d32')).toBeGreaterThan(closed[0]!.width - 3);
    const empty = chartBars({ ...input, scores: [0, 0, 0], votes: 0 });
    expect(empty.every((b) => b.width === 0 && b.share === 0)).toBe(true);
    expect(resultsChartSvg({ ...input, scores: [], votes: 0, state: 'closed' })).toContain('Final result · 0 voters');
  });

  it('sums choices past the twentieth into one bar, and escapes text', () => {
    const choices = Array.from({ length: 30 }, (_, i) => `Option <${i + 1}> & more`);
    const scores = choices.map((_, i) => i + 1);
    const bars = chartBars({ title: 'Many', choices, scores, state: 'open', votes: 30 });
    expect(bars).toHaveLength(MAX_BARS + 1);
    expect(bars.at(-1)!.label).toBe('10 more choices');
    expect(bars.at(-1)!.score).toBe(scores.slice(MAX_BARS).reduce((a, b) => a + b, 0));
    const svg = resultsChartSvg({ title: 'A <b> & "c"', choices, scores, state: 'open', votes: 30 });
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('Option &#60;1&#62; &#38; more');
    expect(renderResultsChart({ title: 'A <b>', choices, scores, state: 'open', votes: 30 }).height).toBe(104 + 21 * 70 + 28);
  });
});
