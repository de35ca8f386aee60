import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { keccak256, parseTransaction, toHex, type Hash, type Hex } from 'viem';
import { assetRegistryAbi } from '../contracts/bindings/index.ts';
import { ANVIL_DEV_KEY } from '../platform/chain/clients.ts';
import { sendOnce } from '../platform/chain/sendOnce.ts';
import type { StoredTx } from '../platform/chain/storedTx.ts';
import { chainTxs } from '../platform/db/schema.ts';
import { ChainError } from '../platform/errors.ts';
import { createPrivateChainPlatform, type PrivateChainPlatform } from '../test/helpers/privateChain.ts';
import { eventually } from '../test/helpers/testRuntime.ts';

/** `caravan tx …` run as an operator would, as a child process, against a chain that does not mine until told. */
describe('caravan tx', () => {
  let p: PrivateChainPlatform;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-tx-cli-'));
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    p = await createPrivateChainPlatform();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    await p?.automine(true).catch(() => {});
    await p?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  function cli(args: string[]): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bin/caravan.ts', 'tx', ...args], {
        cwd: path.resolve(import.meta.dirname, '..'),
        env: {
          ...process.env,
          DATABASE_URL: p.databaseUrl,
          RPC_URL: p.anvil.rpcUrl,
          OPERATOR_PRIVATE_KEY: ANVIL_DEV_KEY,
          CARAVAN_HOME: home,
          LOG_LEVEL: 'warn',
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

  const rowOf = async (key: string): Promise<StoredTx | undefined> => (await p.database.db.select().from(chainTxs).where(eq(chainTxs.key, key)))[0];
  const inPool = (hash: string) => p.chain.publicClient.getTransaction({ hash: hash as Hash }).then(() => true, () => false);
  /** A registration sent while nothing is mined: it waits in the pool (its own replacement is a minute away). */
  async function pending(key: string) {
    const settled = sendOnce(
      { db: p.database.db, chain: { ...p.chain, txPolicy: { replaceAfterMs: 60_000, waitMs: 60_000 } } },
      {
        key,
        address: p.chain.addresses.assetRegistry,
        abi: assetRegistryAbi,
        functionName: 'registerAsset',
        args: [0, keccak256(toHex(key)), 'caravan://test', p.chain.account.address, []],
      },
    ).catch((e: unknown) => e);
    const tx = await eventually(async () => {
      const row = await rowOf(key);
      return row && (await inPool(row.hash)) ? row : undefined;
    }, 10_000, `${key} in the pool`);
    return { tx, settled };
  }
  /** Mines a block every 150 ms until `work` settles. */
  async function mineWhile<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const miner = (async () => {
      while (!done) {
        await p.mine();
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    try {
      return await work;
    } finally {
      done = true;
      await miner;
    }
  }

  it('lists pending transactions; retry re-signs one with higher fees at once and waits until it is mined', async () => {
    await p.automine(false);
    try {
      const { tx, settled } = await pending('cli-retry');
      const list = await cli(['list', '--status', 'sent']);
      expect(list.code).toBe(0);
      expect(list.out).toMatch(new RegExp(`^ +${tx.id}  sent {7}chain 31337 nonce ${tx.nonce} from ${p.chain.account.address}  cli-retry  ${tx.hash}  \\(\\d+(\\.\\d+)? gwei, `, 'm'));

      const retry = cli(['retry', String(tx.id)]);
      // Nothing is mined until the CLI's replacement is in the pool: the chain can only take that one.
      await eventually(async () => {
        const row = await rowOf('cli-retry');
        return row && row.history.length >= 2 && inPool(row.hash);
      }, 20_000, 'the replacement in the pool');
      const done = await mineWhile(retry);
      expect(done.code).toBe(0);
      const row = (await rowOf('cli-retry'))!;
      expect(done.out).toContain(`Transaction ${tx.id} (cli-retry): sending it again with higher fees; waiting for the chain…`);
      expect(done.out).toMatch(new RegExp(`Transaction ${tx.id} \\(cli-retry\\) was mined in block \\d+: ${row.hash}\\.`));
      expect(row.status).toBe('mined');
      const [first, second] = row.history.map((v) => parseTransaction(v.raw as Hex));
      expect(second!.nonce).toBe(first!.nonce);
      expect(second!.maxFeePerGas! * 8n).toBeGreaterThanOrEqual(first!.maxFeePerGas! * 9n);
      // The job that sent it sees the same receipt.
      expect((await settled as { transactionHash: string }).transactionHash).toBe(row.hash);
    } finally {
      await p.automine(true);
    }
  });

  it('cancel replaces a pending transaction by an empty self-transfer at its nonce; the job learns it was cancelled', async () => {
    await p.automine(false);
    try {
      const { tx, settled } = await pending('cli-cancel');
      const cancel = cli(['cancel', String(tx.id)]);
      // Mining before the cancel reaches the pool would let the original win (the CLI would say so).
      await eventually(async () => {
        const row = await rowOf('cli-cancel');
        return row?.history.at(-1)?.kind === 'cancel' && inPool(row.hash);
      }, 20_000, 'the cancel in the pool');
      const done = await mineWhile(cancel);
      expect(done.code).toBe(0);
      const row = (await rowOf('cli-cancel'))!;
      expect(done.out).toContain(`Transaction ${tx.id} (cli-cancel): an empty transfer at nonce ${tx.nonce} was sent (${row.hash})`);
      expect(done.out).toMatch(new RegExp(`Transaction ${tx.id} \\(cli-cancel\\) is cancelled: an empty transfer took nonce ${tx.nonce} in block \\d+ \\(${row.hash}\\)\\.`));
      expect(row.status).toBe('cancelled');
      const mined = await p.chain.publicClient.getTransaction({ hash: row.hash as Hash });
      expect(mined).toMatchObject({ from: p.chain.account.address.toLowerCase(), to: p.chain.account.address.toLowerCase(), value: 0n, input: '0x', nonce: tx.nonce });
      const err = await settled;
      expect(err).toBeInstanceOf(ChainError);
      expect((err as ChainError).retryable).toBe(false);
      expect((err as ChainError).shortMessage).toContain('was cancelled');
    } finally {
      await p.automine(true);
    }
  });

  it('lists by status and refuses clearly what it cannot do', async () => {
    const receipt = await sendOnce(
      { db: p.database.db, chain: p.chain },
      {
        key: 'cli-done',
        address: p.chain.addresses.assetRegistry,
        abi: assetRegistryAbi,
        functionName: 'registerAsset',
        args: [0, keccak256(toHex('cli-done')), 'caravan://test', p.chain.account.address, []],
      },
    );
    const mined = (await rowOf('cli-done'))!;
    // Independent runs, started together.
    const [all, sent, again, missing, notAnId, badStatus, unknown] = await Promise.all([
      cli(['list', '--status', 'mined']),
      cli(['list', '--status', 'sent']),
      cli(['retry', String(mined.id)]),
      cli(['cancel', '99999']),
      cli(['retry', 'abc']),
      cli(['list', '--status', 'stuck']),
      cli(['resend']),
    ]);
    expect(all.out).toContain(` mined      chain 31337 nonce ${mined.nonce} from ${p.chain.account.address}  cli-done  ${receipt.transactionHash}  (`);
    expect(sent).toMatchObject({ code: 0, out: 'No sent transactions.\n' });
    expect(again.code).toBe(1);
    expect(again.out).toContain(`Transaction ${mined.id} is mined: only a pending (sent) one can be retried or cancelled.`);
    expect(missing.out).toContain('No transaction 99999.');
    expect(notAnId.out).toContain('Expected a transaction id like 12 (got “abc”).');
    expect(badStatus.out).toContain('Unexpected “--status stuck”.');
    expect(unknown.code).toBe(1);
    expect(unknown.out).toContain('Unknown subcommand “resend”.');
  });
});
