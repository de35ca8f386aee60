import { connectChain } from '../platform/chain/clients.ts';
import type { Config } from '../config/loadConfig.ts';
import { InputError } from '../platform/errors.ts';
import { assertDevChain } from './devFund.ts';

export const DEV_MINE_USAGE = `caravan dev mine <blocks> [--time <duration>]
                      the dev chain only: move its clock forward by <duration> (like 90m, 2d) and mine <blocks>
                      blocks (1 to 100000), e.g. to end a governor vote (blocks) or a timelock delay (time)
`;

const UNITS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** Reads `mine`'s arguments: blocks to mine and seconds to move the clock, or says what is wrong. */
export function parseDevMineArgs(args: string[]): { blocks: number; seconds: number } {
  const [blocksText, ...flags] = args;
  const blocks = Number(blocksText);
  if (!/^\d{1,6}$/.test(blocksText ?? '') || blocks < 1 || blocks > 100_000)
    throw new InputError(`Expected a number of blocks from 1 to 100000 (got “${blocksText ?? ''}”).`, { metaMessages: [DEV_MINE_USAGE] });
  let seconds = 0;
  for (let i = 0; i < flags.length; i += 2) {
    const [flag, value] = [flags[i]!, flags[i + 1]];
    const m = /^(\d{1,7})(s|m|h|d)$/.exec(value ?? '');
    if (flag !== '--time') throw new InputError(`Unexpected “${flag}”.`, { metaMessages: [DEV_MINE_USAGE] });
    if (!m) throw new InputError(`--time expects a duration like 90m, 12h or 2d (got “${value ?? ''}”).`, { metaMessages: [DEV_MINE_USAGE] });
    seconds = Number(m[1]) * UNITS[m[2] as keyof typeof UNITS];
  }
  return { blocks, seconds };
}

/**
 * `caravan dev mine <blocks> [--time <duration>]`: the dev chain mines a block per transaction only, so a governor
 * vote counted in blocks, or a timelock delay in seconds, would wait for traffic: this moves the clock and mines.
 */
export async function devMine(config: Config, args: string[], out: (line: string) => void): Promise<void> {
  const { blocks, seconds } = parseDevMineArgs(args);
  const { publicClient, chainId } = await connectChain({ rpcUrl: config.RPC_URL ?? `http://127.0.0.1:${config.ANVIL_PORT}` });
  assertDevChain(chainId, 'caravan dev mine');
  const rpc = (method: string, params: unknown[]) => publicClient.request({ method: method as never, params: params as never });
  if (seconds) await rpc('evm_increaseTime', [seconds]);
  await rpc('anvil_mine', [`0x${blocks.toString(16)}`]);
  const block = await publicClient.getBlock({ blockTag: 'latest' });
  out(`Mined ${blocks} block${blocks === 1 ? '' : 's'}${seconds ? ` after moving the clock ${seconds} s forward` : ''}: block ${block.number}, ${new Date(Number(block.timestamp) * 1000).toISOString()}.`);
}
