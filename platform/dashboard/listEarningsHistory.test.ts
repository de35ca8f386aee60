import { describe, expect, it } from 'vitest';
import { getAddress, zeroAddress } from 'viem';
import { ETH, type Currency } from '../money/currencies.ts';
import { cumulativeByDay } from './listEarningsHistory.ts';

const USDC: Currency = { symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 };

describe('cumulativeByDay', () => {
  it('adds up each currency day by day, in day order, listed in the order of the accepted currencies', () => {
    const series = cumulativeByDay(
      [
        { token: zeroAddress, day: '2026-11-30', amount: 10n },
        { token: USDC.address.toLowerCase(), day: '2026-12-01', amount: 950_000n },
        { token: USDC.address, day: '2026-11-29', amount: 3_800_000n },
        { token: USDC.address, day: '2026-12-01', amount: 50_000n },
      ],
      [USDC, ETH],
    );
    expect(series.map((s) => s.currency.symbol)).toEqual(['USDC', 'ETH']);
    expect(series[0]!.points).toEqual([
      { day: '2026-11-29', total: 3_800_000n },
      { day: '2026-12-01', total: 4_800_000n },
    ]);
    expect(series[1]!.points).toEqual([{ day: '2026-11-30', total: 10n }]);
  });

  it('is empty without rows, and names an unknown token by its address in raw units', () => {
    expect(cumulativeByDay([], [USDC])).toEqual([]);
    const [other] = cumulativeByDay([{ token: '0x00000000000000000000000000000000000000aa', day: '2026-12-01', amount: 7n }], [USDC]);
    expect(other!.currency).toEqual({ symbol: 'units', address: getAddress('0x00000000000000000000000000000000000000aa'), decimals: 0 });
  });
});
