import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, eventually, type TestRuntime } from './helpers/testRuntime.ts';

type Msg = { id: number; fromBot: boolean; text: string; cursor: string };

/** The local web chat page's API drives the same core: journey 1 in a browser, over HTTP. */
describe('web chat and REST API', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await startTestRuntime({ UPLOAD_MAX_BYTES: '2048' });
  });
  afterAll(async () => {
    await rt?.close();
  });

  const messages = async (chatId: string, since?: string): Promise<Msg[]> => {
    const q = new URLSearchParams({ chatId, ...(since ? { since } : {}) });
    const res = await fetch(`${rt.url}/chat/api/messages?${q}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { messages: Msg[] }).messages;
  };
  const say = (chatId: string, text: string) =>
    fetch(`${rt.url}/chat/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chatId, text }) });
  const upload = (chatId: string, name: string, bytes: Buffer) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), name);
    return fetch(`${rt.url}/chat/api/upload?chatId=${chatId}`, { method: 'POST', body: form });
  };

  it('serves the page and reports every dependency on /health', async () => {
    const page = await fetch(`${rt.url}/chat`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Caravan');
    const health = await fetch(`${rt.url}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { ok: boolean; checks: Record<string, { ok: boolean }> };
    expect(body.ok).toBe(true);
    expect(Object.keys(body.checks)).toEqual(expect.arrayContaining(['postgres', 'redis', 'chain', 'contracts', 'workers', 'telegram', 'webchat']));
  });

  it('runs journey 1 from the browser: /start, upload, receipt, /datasets', async () => {
    const chatId = crypto.randomUUID();
    expect((await say(chatId, '/start')).status).toBe(202);
    const res = await upload(chatId, 'notes.md', Buffer.from('# Camels\n\nThey carry things.\n'));
    expect(res.status).toBe(202);
    const done = await eventually(async () => (await messages(chatId)).find((m) => m.text.startsWith('✅ Dataset')), 20_000, 'receipt message');
    expect(done.text).toMatch(/Receipt #\d+ for asset #\d+/);
    const id = Number(/Dataset #(\d+)/.exec(done.text)![1]);

    await say(chatId, '/datasets');
    const list = await eventually(async () => (await messages(chatId)).find((m) => m.text.startsWith('📚')), 5000, 'dataset list');
    expect(list.text).toContain(`#${id} notes.md`);

    // Polling with a cursor returns only what changed since.
    const all = await messages(chatId);
    expect(await messages(chatId, all.at(-1)!.cursor)).toEqual([]);

    const api = await fetch(`${rt.url}/v1/datasets/${id}`);
    expect(api.status).toBe(200);
    expect(await api.json()).toMatchObject({ id, name: 'notes.md', format: 'md', rows: 3, status: 'approved' });
  });

  it('refuses an oversized upload while streaming it, and keeps nothing', async () => {
    const chatId = crypto.randomUUID();
    const res = await upload(chatId, 'big.csv', Buffer.alloc(4096, 97));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'too_large' });
    const reply = (await messages(chatId)).find((m) => m.fromBot)!;
    expect(reply.text).toMatch(/too large: more than 2\.0 KB/);
  });

  it.each([
    ['a bad chat id', () => fetch(`${rt.url}/chat/api/messages?chatId=nope`), 400],
    ['an empty message', () => say(crypto.randomUUID(), '   '), 400],
    ['malformed JSON', () => fetch(`${rt.url}/chat/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' }), 400],
    ['an upload that is not multipart', () => fetch(`${rt.url}/chat/api/upload?chatId=${crypto.randomUUID()}`, { method: 'POST', body: 'x' }), 400],
    ['an upload without a file', () => {
      const form = new FormData();
      form.append('note', 'no file');
      return fetch(`${rt.url}/chat/api/upload?chatId=${crypto.randomUUID()}`, { method: 'POST', body: form });
    }, 400],
    ['a non-numeric dataset id', () => fetch(`${rt.url}/v1/datasets/abc`), 400],
    ['an unknown dataset', () => fetch(`${rt.url}/v1/datasets/999999`), 404],
    ['an unknown endpoint', () => fetch(`${rt.url}/v1/nothing`), 404],
  ])('answers %s with a clear error', async (_name, call, status) => {
    const res = await call();
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.message.length).toBeGreaterThan(3);
  });
});
