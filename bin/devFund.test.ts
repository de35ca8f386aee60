import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAddress, parseEther } from 'viem';
import { caravanTokenAbi } from '../contracts/bindings/index.ts';
import { ANVIL_DEV_KEY } from '../platform/chain/clients.ts';
import { ensureUser } from '../platform/identity/ensureUser.ts';
import { startAnvil, type AnvilHandle } from '../platform/infra/anvil.ts';
import { startWatchdog } from '../platform/infra/watchdog.ts';
import { InputError } from '../platform/errors.ts';
import { createPrivateChainPlatform, type PrivateChainPlatform } from '../test/helpers/privateChain.ts';
import { parseDevMineArgs } from './devMine.ts';
import { parseDevFundArgs } from './devFund.ts';

describe('parseDevFundArgs', () => {
  const to = '0x000000000000000000000000000000000000dEaD';
  it('defaults to 1 ETH and 1000 CVN, and reads --eth and --votes', () => {
    expect(parseDevFundArgs([to.toLowerCase()])).toEqual({ to, ethWei: parseEther('1'), votesWei: parseEther('1000') });
    expect(parseDevFundArgs([to, '--eth', '0.5', '--votes', '20000'])).toEqual({ to, ethWei: parseEther('0.5'), votesWei: parseEther('20000') });
  });
  it('says what is wrong with the arguments', () => {
    expect(() => parseDevFundArgs([])).toThrow(InputError);
    expect(() => parseDevFundArgs(['0x123'])).toThrow(/Expected an address/);
    expect(() => parseDevFundArgs([to, '--eth', 'lots'])).toThrow(/--eth expects an amount/);
    expect(() => parseDevFundArgs([to, '--gold', '1'])).toThrow(/Unexpected “--gold”/);
    expect(() => parseDevFundArgs([to, '--eth', '0', '--votes', '0'])).toThrow(/Nothing to send/);
  });
});

/** `caravan dev fund …` run as a developer would, as a child process, against a dev chain of its own. */
describe('caravan dev fund', () => {
  let p: PrivateChainPlatform;
  const watchdog = startWatchdog();
  let otherChain: AnvilHandle | undefined;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-dev-fund-'));
  const masterKey = crypto.randomBytes(32);
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    p = await createPrivateChainPlatform();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    await otherChain?.stop();
    await watchdog.close();
    await p?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bin/caravan.ts', 'dev', ...args], {
        cwd: path.resolve(import.meta.dirname, '..'),
        env: {
          ...process.env,
          DATABASE_URL: p.databaseUrl,
          RPC_URL: p.anvil.rpcUrl,
          OPERATOR_PRIVATE_KEY: ANVIL_DEV_KEY,
          CONTRACT_ADDRESSES: JSON.stringify(p.chain.addresses),
          MASTER_KEY: masterKey.toString('hex'),
          CARAVAN_HOME: home,
          LOG_LEVEL: 'warn',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(child);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => {
        children.delete(child);
        resolve({ code, out });
      });
    });
  }

  const token = () => p.chain.addresses.token!;
  const read = <const F extends 'balanceOf' | 'delegates' | 'getVotes'>(functionName: F, address: `0x${string}`) =>
    p.chain.publicClient.readContract({ address: token(), abi: caravanTokenAbi, functionName, args: [address] } as never) as Promise<unknown>;

  it('sends test ETH and CVN to any address and says the holder delegates', async () => {
    const to = getAddress('0x00000000000000000000000000000000000f00d1');
    const { code, out } = await cli(['fund', to, '--eth', '2.5', '--votes', '1500']);
    expect(code, out).toBe(0);
    expect(out).toContain(`Sent 2.5 ETH to ${to}`);
    expect(out).toContain(`Sent 1500 CVN to ${to}`);
    expect(out).toContain(`the holder calls delegate(${to}) on the token ${token()}`);
    expect(await p.chain.publicClient.getBalance({ address: to })).toBe(parseEther('2.5'));
    expect(await read('balanceOf', to)).toBe(parseEther('1500'));
    expect(await read('getVotes', to)).toBe(0n);
  }, 60_000);

  it('delegates a custodial address to itself, so its tokens vote at once', async () => {
    const user = await ensureUser({ db: p.database.db, masterKey }, { platform: 'web', externalId: `fund-${crypto.randomUUID()}` });
    const to = user.custodialAddress as `0x${string}`;
    const { code, out } = await cli(['fund', to, '--eth', '0', '--votes', '250']);
    expect(code, out).toBe(0);
    expect(out).toContain(`Delegated the votes of custodial ${to} to itself`);
    expect(await read('delegates', to)).toBe(to);
    expect(await read('getVotes', to)).toBe(parseEther('250'));
  }, 60_000);

  it('mines blocks after moving the clock (dev mine), and says what is wrong with its arguments', async () => {
    const before = await p.chain.publicClient.getBlock({ blockTag: 'latest' });
    const { code, out } = await cli(['mine', '25', '--time', '2d']);
    expect(code, out).toBe(0);
    const after = await p.chain.publicClient.getBlock({ blockTag: 'latest' });
    expect(after.number).toBe(before.number + 25n);
    expect(after.timestamp - before.timestamp).toBeGreaterThanOrEqual(2n * 86_400n);
    expect(out).toContain(`Mined 25 blocks after moving the clock 172800 s forward: block ${after.number}`);
    expect(() => parseDevMineArgs(['0'])).toThrow('from 1 to 100000');
    expect(() => parseDevMineArgs(['5', '--time', 'soon'])).toThrow('--time expects a duration');
    expect(() => parseDevMineArgs(['5', '--blocks', '3'])).toThrow('Unexpected “--blocks”');
  }, 60_000);

  it('refuses any chain but the dev chain', async () => {
    otherChain = await startAnvil({ watchdog, chainId: 1337 });
    const { code, out } = await cli(['fund', '0x00000000000000000000000000000000000F00d1'], { RPC_URL: otherChain.rpcUrl });
    expect(code).toBe(1);
    expect(out).toContain('caravan dev fund runs on the dev chain (31337) only; RPC_URL serves chain 1337.');
    const mined = await cli(['mine', '1'], { RPC_URL: otherChain.rpcUrl });
    expect(mined.code).toBe(1);
    expect(mined.out).toContain('caravan dev mine runs on the dev chain (31337) only');
  }, 60_000);
});
