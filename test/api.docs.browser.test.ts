import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { createApiKey } from '../platform/apikeys/createApiKey.ts';
import { loadMasterKey } from '../platform/crypto/masterKey.ts';
import { ensureUser } from '../platform/identity/ensureUser.ts';
import { startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);

/**
 * `/docs` in Chromium: the reference lists every operation of `/v1/openapi.json`, loads nothing
 * from another origin (it works offline), and "Authorize" + "Try it out" call this server with
 * the key.
 */
describe.skipIf(!hasChromium)('the API reference page', () => {
  let rt: TestRuntime;
  let browser: Browser;

  beforeAll(async () => {
    rt = await startTestRuntime({ ENGINE: '0' }, { workers: false });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await rt?.close();
  });

  it('shows every operation and calls the API with the key typed into Authorize', async () => {
    const doc = (await (await fetch(`${rt.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string; tags: string[] }>> };
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
    const user = await ensureUser({ db: rt.database.db, masterKey: loadMasterKey({ home: rt.home }) }, { platform: 'web', externalId: 'docs-reader' });
    const key = await createApiKey({ db: rt.database.db }, { userId: user.id, kind: 'personal', name: 'from the docs' });

    const page = await browser.newPage();
    const origins = new Set<string>();
    const errors: string[] = [];
    page.on('request', (r) => origins.add(new URL(r.url()).origin));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${rt.url}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('.opblock').count()).toBe(operations.length);
    await expect(page.locator('.info .title').innerText()).resolves.toContain('Caravan API');

    await page.locator('.btn.authorize').first().click();
    await page.locator('.modal-ux input').first().fill(key.token);
    await page.locator('.modal-ux .auth-btn-wrapper .btn.authorize').click();
    await page.locator('.modal-ux .btn-done').click();

    const op = page.locator('#operations-keys-listKeys');
    await op.locator('.opblock-summary').click();
    await op.locator('.execute').click(); // "Try it out" is on from the start (tryItOutEnabled)
    const status = op.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor({ timeout: 15_000 });
    expect((await status.innerText()).trim()).toBe('200');
    await expect(op.locator('.live-responses-table .microlight').first().innerText()).resolves.toContain('from the docs');

    expect([...origins]).toEqual([rt.url]);
    expect(errors).toEqual([]);
  });
});
