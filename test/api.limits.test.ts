import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApiKey } from '../platform/apikeys/createApiKey.ts';
import { ensureUser } from '../platform/identity/ensureUser.ts';
import { loadMasterKey } from '../platform/crypto/masterKey.ts';
import { freePort } from '../platform/infra/freePort.ts';
import { Caravan, RateLimitError } from '../sdk/src/index.ts';
import { eventually, startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';

/**
 * The rate limits are counted in Redis, so they hold across API processes: a second `caravan api`
 * process (a child process on the same PostgreSQL and Redis) shares the per-key and per-IP counts
 * with the first. The SDK waits out a 429's `Retry-After` and succeeds; a wait longer than it
 * allows is thrown as `RateLimitError` at once.
 */
describe('API rate limits across two API processes sharing Redis', () => {
  const LIMIT = 4;
  const WINDOW_S = 3;
  const IP_LIMIT = 15;
  let rt: TestRuntime;
  let child: ChildProcess | undefined;
  let childHome: string;
  let second: string;
  let token: string;

  beforeAll(async () => {
    const limits = { API_RATE_LIMIT_KEY: String(LIMIT), API_RATE_LIMIT_IP: String(IP_LIMIT), API_RATE_LIMIT_WINDOW: `${WINDOW_S}s`, ENGINE: '0' };
    rt = await startTestRuntime(limits, { workers: false });
    const { redisUrl, rpcUrl } = inject('services');
    childHome = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-api2-'));
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', 'bin/caravan.ts', 'api'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: {
        ...process.env,
        ...limits,
        DATABASE_URL: rt.databaseUrl,
        REDIS_URL: redisUrl,
        RPC_URL: rpcUrl,
        // The API process sends no transactions; any key will do.
        OPERATOR_PRIVATE_KEY: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
        CARAVAN_HOME: childHome,
        QUEUE_PREFIX: rt.config.QUEUE_PREFIX,
        HOST: '127.0.0.1',
        PORT: String(port),
        WEB_CHAT: '0',
        // This one sits "behind a proxy" on loopback: X-Forwarded-For names the client.
        TRUST_PROXY: 'loopback',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    second = `http://127.0.0.1:${port}`;
    await eventually(
      async () => {
        if (child!.exitCode !== null) throw new Error(`the second API process exited: ${output}`);
        return (await fetch(`${second}/health`).catch(() => undefined))?.status === 200;
      },
      60_000,
      'the second API process',
    );
    const user = await ensureUser({ db: rt.database.db, masterKey: loadMasterKey({ home: rt.home }) }, { platform: 'web', externalId: 'limits-user' });
    token = (await createApiKey({ db: rt.database.db }, { userId: user.id, kind: 'personal' })).token;
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(childHome, { recursive: true, force: true });
    await rt?.close();
  });

  const get = (base: string) => fetch(`${base}/v1/keys`, { headers: { authorization: `Bearer ${token}` } });

  it('counts one key over both processes, answers 429 with Retry-After past the limit, and the SDK waits it out', async () => {
    // Wait for the start of a fresh window so the whole burst falls in one.
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const answers = [];
    for (let i = 0; i < LIMIT + 2; i++) answers.push(await get(i % 2 ? second : rt.url!));
    expect(answers.map((r) => r.status)).toEqual([...Array(LIMIT).fill(200), 429, 429]);
    const refused = answers[LIMIT]!;
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_S);
    expect(refused.headers.get('ratelimit-limit')).toBe(String(LIMIT));
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(await refused.json()).toMatchObject({ error: 'rate_limited', message: expect.stringContaining(`at most ${LIMIT}`) });
    // Both processes refuse now: the count is shared.
    expect((await get(rt.url!)).status).toBe(429);
    expect((await get(second)).status).toBe(429);

    // An SDK that may not wait that long gets the error at once, with the server's answer.
    const impatient = new Caravan({ baseUrl: second, apiKey: token, maxRetryWaitMs: 0 });
    const err = await impatient.keys.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limited' });
    expect((err as RateLimitError).retryAfter).toBeGreaterThan(0);

    // The default SDK waits out Retry-After and gets its answer.
    const t0 = Date.now();
    const page = await new Caravan({ baseUrl: second, apiKey: token }).keys.list();
    expect(page.items.length).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
  });

  it('limits per address too, before any key is looked at (guessing keys costs the same)', async () => {
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const statuses = [];
    for (let i = 0; i < IP_LIMIT + 1; i++) {
      const res = await fetch(`${i % 2 ? second : rt.url!}/v1/chain`, i % 3 ? {} : { headers: { authorization: `Bearer cvn_p_${'x'.repeat(43)}` } });
      statuses.push(res.status);
      if (i === IP_LIMIT) expect(await res.json()).toMatchObject({ error: 'rate_limited', message: expect.stringContaining('from this address') });
    }
    // Anonymous calls answer, guessed keys are 401, and every one of them counted against the address.
    expect(statuses.slice(0, IP_LIMIT).every((s) => s === 200 || s === 401)).toBe(true);
    expect(statuses.filter((s) => s === 401).length).toBe(Math.ceil(IP_LIMIT / 3));
    expect(statuses[IP_LIMIT]).toBe(429);
    // Behind a trusted proxy the forwarded client is counted, not the proxy; the other process
    // trusts no proxy, so a forged X-Forwarded-For changes nothing there.
    const forwarded = { headers: { 'x-forwarded-for': '203.0.113.7' } };
    expect((await fetch(`${second}/v1/chain`, forwarded)).status).toBe(200);
    expect((await fetch(`${rt.url!}/v1/chain`, forwarded)).status).toBe(429);
  });
});
