import { describe, expect, it } from 'vitest';
import { parseGwei } from 'viem';
import { bumpFees } from './bumpFees.ts';

describe('bumpFees', () => {
  const cap = parseGwei('500');

  it('raises both EIP-1559 fees by at least 12.5 %, rounded up', () => {
    const fees = bumpFees({
      current: { maxFeePerGas: 2_200_000_001n, maxPriorityFeePerGas: 1_000_000_001n },
      suggested: { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n },
      cap,
    });
    expect(fees).toEqual({ maxFeePerGas: 2_475_000_002n, maxPriorityFeePerGas: 1_125_000_002n });
    const f = fees as { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
    expect(f.maxFeePerGas * 8n).toBeGreaterThanOrEqual(2_200_000_001n * 9n);
    expect(f.maxPriorityFeePerGas * 8n).toBeGreaterThanOrEqual(1_000_000_001n * 9n);
  });

  it('goes up to the network suggestion when that is higher (a base fee that rose)', () => {
    expect(
      bumpFees({
        current: { maxFeePerGas: parseGwei('2'), maxPriorityFeePerGas: parseGwei('1') },
        suggested: { maxFeePerGas: parseGwei('61'), maxPriorityFeePerGas: parseGwei('3') },
        cap,
      }),
    ).toEqual({ maxFeePerGas: parseGwei('61'), maxPriorityFeePerGas: parseGwei('3') });
  });

  it('bumps a zero tip to at least 1 wei and keeps the max fee at or above the tip', () => {
    expect(bumpFees({ current: { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }, suggested: { gasPrice: 0n }, cap })).toEqual({
      maxFeePerGas: 1n,
      maxPriorityFeePerGas: 1n,
    });
    expect(
      bumpFees({ current: { maxFeePerGas: 10n, maxPriorityFeePerGas: 10n }, suggested: { maxFeePerGas: 5n, maxPriorityFeePerGas: 40n }, cap }),
    ).toEqual({ maxFeePerGas: 40n, maxPriorityFeePerGas: 40n });
  });

  it('bumps a legacy gas price the same way', () => {
    expect(bumpFees({ current: { gasPrice: 8n }, suggested: { gasPrice: 5n }, cap: 100n })).toEqual({ gasPrice: 9n });
    expect(bumpFees({ current: { gasPrice: 8n }, suggested: { gasPrice: 50n }, cap: 100n })).toEqual({ gasPrice: 50n });
  });

  it('trims the suggestion to the cap, and gives up when the bump itself would pass it', () => {
    expect(bumpFees({ current: { gasPrice: 8n }, suggested: { gasPrice: 500n }, cap: 100n })).toEqual({ gasPrice: 100n });
    expect(bumpFees({ current: { gasPrice: 95n }, suggested: { gasPrice: 5n }, cap: 100n })).toBeUndefined();
    expect(
      bumpFees({ current: { maxFeePerGas: 80n, maxPriorityFeePerGas: 2n }, suggested: { maxFeePerGas: 900n, maxPriorityFeePerGas: 3n }, cap: 100n }),
    ).toEqual({ maxFeePerGas: 100n, maxPriorityFeePerGas: 3n });
    expect(
      bumpFees({ current: { maxFeePerGas: 90n, maxPriorityFeePerGas: 2n }, suggested: { maxFeePerGas: 900n, maxPriorityFeePerGas: 3n }, cap: 100n }),
    ).toBeUndefined();
  });
});
