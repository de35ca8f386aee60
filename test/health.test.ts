import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig } from '../config/loadConfig.ts';
import { createLogger } from '../platform/log.ts';
import { startAnvil, type AnvilHandle } from '../platform/infra/anvil.ts';
import { startWatchdog } from '../platform/infra/watchdog.ts';
import { startRuntime, type Runtime } from '../bin/runtime.ts';
import { createTestDatabase, eventually } from './helpers/testRuntime.ts';
import { ANVIL_DEV_KEY } from '../platform/chain/clients.ts';

/** When a dependency goes down, /health says which (503) and /status in the chat shows it. */
describe('health when the chain goes down', () => {
  const watchdog = startWatchdog();
  let anvil: AnvilHandle;
  let rt: Runtime;
  let drop: () => Promise<void>;
  const home = `/tmp/caravan-health-${crypto.randomUUID()}`;

  beforeAll(async () => {
    // Its own anvil, under a watchdog: a killed test run leaves no anvil behind.
    anvil = await startAnvil({ watchdog });
    const db = await createTestDatabase();
    drop = db.drop;
    const config = loadConfig({ PORT: '0', CARAVAN_HOME: home, QUEUE_PREFIX: `h${Date.now()}`, ENGINE: '0', LOG_LEVEL: 'silent' });
    rt = await startRuntime(
      config,
      { databaseUrl: db.url, redisUrl: inject('services').redisUrl, rpcUrl: anvil.rpcUrl, operatorKey: ANVIL_DEV_KEY },
      createLogger({ level: 'silent', pretty: false }),
      { allowDeploy: true },
    );
  });
  afterAll(async () => {
    await rt?.stop();
    await anvil?.stop();
    await watchdog.close();
    await drop?.();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('answers 200 with everything up, then 503 naming the chain once anvil stops', async () => {
    const up = await fetch(`${rt.url}/health`);
    expect(up.status).toBe(200);
    await anvil.stop();
    const down = await eventually(async () => {
      const res = await fetch(`${rt.url}/health`);
      return res.status === 503 ? ((await res.json()) as { ok: boolean; checks: Record<string, { ok: boolean; detail: string }> }) : undefined;
    }, 15_000, '503');
    expect(down.ok).toBe(false);
    expect(down.checks.chain!.ok).toBe(false);
    expect(down.checks.postgres!.ok).toBe(true);
    expect(down.checks.redis!.ok).toBe(true);

    const chatId = crypto.randomUUID();
    await fetch(`${rt.url}/chat/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chatId, text: '/status' }) });
    const res = await fetch(`${rt.url}/chat/api/messages?chatId=${chatId}`);
    const { messages } = (await res.json()) as { messages: Array<{ text: string }> };
    expect(messages.at(-1)!.text).toMatch(/^🟠 Some systems are down[\s\S]*❌ chain: /);
  });
});
