import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);

/**
 * The web chat page in a real headless Chromium, as a newcomer uses it: the page greets,
 * a file chosen with the 📎 button becomes a dataset and a receipt, commands typed in the box
 * are answered. Needs Debian's chromium (`.ci/run` installs it); without one it is reported skipped.
 */
describe.skipIf(!hasChromium)('web chat page in a browser', () => {
  let rt: TestRuntime;
  let browser: Browser;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-browser-'));

  beforeAll(async () => {
    rt = await startTestRuntime({ ENGINE: '0' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await rt?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('greets, takes a file from the 📎 button to a receipt, and answers typed commands', async () => {
    const page = await browser.newPage();
    await page.goto(`${rt.url}/chat`);
    await page.locator('.msg.bot', { hasText: 'Welcome' }).waitFor({ timeout: 15_000 });

    const file = path.join(dir, 'glossary.csv');
    fs.writeFileSync(file, 'term,meaning\nreceipt,"a non-transferable, on-chain share"\n');
    await page.setInputFiles('#file', file);
    const done = page.locator('.msg.bot', { hasText: '✅ Dataset' });
    await done.waitFor({ timeout: 30_000 });
    expect(await done.textContent()).toMatch(/Receipt #\d+ for asset #\d+/);
    expect(await page.locator('.msg.me', { hasText: '📎 glossary.csv' }).count()).toBe(1);

    // Buttons: the open/private question is answered with a click, and the message shows the choice.
    const question = page.locator('.msg.bot', { hasText: 'Who may build assistants on glossary.csv' });
    await question.getByRole('button', { name: '🌐 Open' }).click();
    await page.locator('.msg.bot', { hasText: 'glossary.csv is open' }).waitFor({ timeout: 10_000 });

    // A form: the wizard's card is filled in on the page and submitted.
    await page.fill('#text', '/newassistant');
    await page.press('#text', 'Enter');
    const form = page.locator('form.fill').last();
    await form.waitFor({ timeout: 10_000 });
    await form.locator('input[name=name]').fill('Glossary Bot');
    await form.locator('textarea[name=instructions]').fill('Explains the words of the glossary.');
    await form.getByRole('button', { name: 'Submit' }).click();
    // A select of several choices renders as checkboxes with an Apply button.
    const step = page.locator('.msg.bot', { hasText: 'step 2/5' });
    await step.waitFor({ timeout: 10_000 });
    await step.locator('.choices input[type=checkbox]').first().check();
    await step.getByRole('button', { name: /^Apply/ }).click();
    await page.locator('.msg.bot', { hasText: /Chosen: ds_/ }).waitFor({ timeout: 10_000 });

    await page.fill('#text', '/datasets');
    await page.press('#text', 'Enter');
    await page.locator('.msg.bot', { hasText: '📚 Your datasets' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('.msg.bot', { hasText: '📚 Your datasets' }).textContent()).toContain('glossary.csv');

    // The page shows each message once even as edits arrive.
    const ids = await page.$$eval('.msg', (els) => els.map((e) => (e as HTMLElement).dataset.id));
    expect(new Set(ids).size).toBe(ids.length);
    await page.screenshot({ path: path.join(dir, 'chat.png') });
    expect(fs.statSync(path.join(dir, 'chat.png')).size).toBeGreaterThan(10_000);
  });
});
