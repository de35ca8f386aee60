import { decodeFunctionData, erc20Abi, type Address, type Hex } from 'viem';
import { ETH, formatAmount, type Currency } from '../../platform/money/currencies.ts';

/**
 * What a proposal's calls do, for people: "send 5 USDC to 0x…", "send 0.1 ETH to 0x…", or, for
 * any other call, its function selector and target.
 */
export function describeActions(
  calls: { targets: readonly Address[]; values: readonly bigint[]; calldatas: readonly Hex[] },
  currencies: readonly Currency[],
): string[] {
  return calls.targets.map((target, i) => {
    const value = calls.values[i] ?? 0n;
    const data = calls.calldatas[i] ?? '0x';
    if (data === '0x') return `send ${formatAmount(value, ETH)} to ${target}`;
    const currency = currencies.find((c) => c.address.toLowerCase() === target.toLowerCase());
    if (currency) {
      try {
        const call = decodeFunctionData({ abi: erc20Abi, data });
        if (call.functionName === 'transfer') return `send ${formatAmount(call.args[1], currency)} to ${call.args[0]}`;
      } catch {
        // Not an ERC-20 call: described below.
      }
    }
    return `call ${data.slice(0, 10)} on ${target}${value > 0n ? ` with ${formatAmount(value, ETH)}` : ''}`;
  });
}
