import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, eventually, storedCounts, type TestRuntime } from './helpers/testRuntime.ts';
import { webChat } from './helpers/webChat.ts';

const MAX_BYTES = 2048;

/** Sends raw bytes as an HTTP request and returns the status line and body the server answered. */
function rawRequest(url: string, head: string, body: Buffer | string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      socket.write(head);
      socket.write(body);
    });
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0), body: data.split('\r\n\r\n').slice(1).join('\r\n\r\n') }));
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
  });
}

/** The local web chat page's API drives the same core: journey 1 in a browser, over HTTP, and every way to send it garbage. */
describe('web chat and REST API', () => {
  let rt: TestRuntime;
  const staged = () => (fs.existsSync(path.join(rt.home, 'incoming')) ? fs.readdirSync(path.join(rt.home, 'incoming')) : []);

  beforeAll(async () => {
    rt = await startTestRuntime({ UPLOAD_MAX_BYTES: String(MAX_BYTES), ENGINE: '0' });
  });
  afterAll(async () => {
    await rt?.close();
  });

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

  it('answers /help with every command of the registry and their usage', async () => {
    const help = await webChat(rt.url!).say('/help');
    for (const c of rt.core.commands) expect(help.text).toContain(`/${c.name}`);
    expect(help.text).toContain('/ask <assistant> <question>');
  });

  it('runs journey 1: upload → access choice → receipt with a random id; the REST card shows open datasets only', async () => {
    const chat = webChat(rt.url!);
    await chat.say('/start');
    const res = await chat.upload('notes.md', '# Camels\n\nThey carry things.\n');
    expect(res.status).toBe(202);
    const { uploadId, status } = (await res.json()) as { uploadId: string; status: string };
    expect(status).toBe('queued');
    expect(uploadId).toMatch(/^[0-9a-f-]{36}$/);
    const question = await chat.waitFor((m) => m.text.startsWith('Who may build assistants on notes.md'));
    const done = await chat.waitFor((m) => m.text.startsWith('✅ Dataset'), { what: 'receipt' });
    expect(done.text).toMatch(/Receipt #\d+ for asset #\d+ \(non-transferable, 100\.00 % of the asset\)/);
    expect(done.text).toContain('Approved automatically: no validators are appointed');
    const publicId = /Dataset (ds_[0-9a-z]{10})/.exec(done.text)![1]!;

    // Private until chosen: unknown over REST, as an id that never existed.
    expect((await fetch(`${rt.url}/v1/datasets/${publicId}`)).status).toBe(404);
    const chosen = await chat.press(question, 'Open');
    expect(chosen.text).toContain('notes.md is open');
    const card = await fetch(`${rt.url}/v1/datasets/${publicId}`);
    expect(card.status).toBe(200);
    expect(await card.json()).toMatchObject({ id: publicId, name: 'notes.md', format: 'md', rows: 3, status: 'approved', access: 'open' });

    const list = await chat.say('/datasets');
    expect(list.text).toContain(`${publicId} notes.md`);
    expect(list.text).toContain('🌐 open');

    // One dataset: its owner can close it again; someone else sees it only while it is open.
    const stranger = webChat(rt.url!);
    expect((await stranger.say(`/dataset ${publicId}`)).text).toContain('(someone else’s, open)');
    const mine = await chat.say(`/dataset ${publicId}`);
    expect(mine.text).toContain('✅ accepted');
    const closed = await chat.press(mine, 'Make it private');
    expect(closed.text).toContain('🔒 private');
    expect((await fetch(`${rt.url}/v1/datasets/${publicId}`)).status).toBe(404);
    expect((await stranger.say(`/dataset ${publicId}`)).text).toBe(`⚠️ There is no dataset ${publicId} you can see.`);
    await chat.press(closed, 'Open it to everyone');

    // Polling with a cursor returns only what changed since.
    const all = await chat.messages();
    expect(await chat.messages(all.at(-1)!.cursor)).toEqual([]);
  });

  it('refuses an oversized upload while streaming it (413), keeps nothing, and says why in the chat', async () => {
    const chat = webChat(rt.url!);
    const before = await storedCounts(rt);
    const res = await chat.upload('big.csv', Buffer.alloc(4096, 97));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'too_large' });
    expect((await chat.waitFor((m) => m.text.startsWith('❌'))).text).toMatch(/too large: more than 2\.0 KB/);
    expect(await storedCounts(rt)).toEqual(before);
  });

  it('answers a many-chunk oversized upload sent with its Content-Length with a prompt 413, and keeps serving', async () => {
    // Far over the cap, so busboy is still reading the file when staging stops at the limit: the form
    // must still be read to its end (staging never destroys the stream it reads) for an answer to come.
    const chat = webChat(rt.url!);
    const before = await storedCounts(rt);
    const boundary = 'c'.repeat(24);
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.csv"\r\nContent-Type: text/csv\r\n\r\n`),
      Buffer.alloc(160 * 1024, 97),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const head = `POST /chat/api/upload?chatId=${chat.chatId} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const started = Date.now();
    const answer = await rawRequest(rt.url!, head, body);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'too_large' });
    expect((await chat.waitFor((m) => m.text.startsWith('❌'))).text).toMatch(/too large: more than 2\.0 KB/);
    expect(await storedCounts(rt)).toEqual(before);
    expect(staged()).toEqual([]);
    expect((await fetch(`${rt.url}/health`)).status).toBe(200);
  });

  it.each([
    ['an unsupported type', 'report.pdf', '%PDF-1.7', 415, 'unsupported_format'],
    ['an empty file', 'empty.csv', '', 400, 'empty'],
  ])('refuses %s with a 4xx and the reason, never 202', async (_name, file, content, status, error) => {
    const chat = webChat(rt.url!);
    const before = await storedCounts(rt);
    const res = await chat.upload(file, content);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error });
    expect((await chat.waitFor((m) => m.text.startsWith('❌'))).text).toContain('Nothing was stored');
    expect(await storedCounts(rt)).toEqual(before);
  });

  it('survives a truncated multipart body: 400 with a clear message, nothing staged, the process serving', async () => {
    const chatId = crypto.randomUUID();
    const boundary = 'x'.repeat(16);
    const body = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.csv"\r\n\r\na,b\n1,2`).subarray(0, 99);
    const head = `POST /chat/api/upload?chatId=${chatId} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const answer = await rawRequest(rt.url!, head, body);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/interrupted/) });
    expect((await fetch(`${rt.url}/health`)).status).toBe(200);
    await eventually(async () => staged().length === 0, 5000, 'no staged file');
  });

  it('removes the staged part of an upload aborted half-way at once, and says so in the chat', async () => {
    const chat = webChat(rt.url!);
    const boundary = 'b'.repeat(20);
    const headPart = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="half.csv"\r\nContent-Type: text/csv\r\n\r\n`;
    const { hostname, port } = new URL(rt.url!);
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.on('error', () => {});
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(
      `POST /chat/api/upload?chatId=${chat.chatId} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 1900\r\n\r\n`,
    );
    socket.write(headPart + 'a,b\n'.repeat(100));
    // The bytes so far are on disk…
    await eventually(async () => staged().length === 1 && fs.statSync(path.join(rt.home, 'incoming', staged()[0]!)).size > 0, 5000, 'a staged part');
    socket.destroy();
    // …and gone as soon as the connection is.
    await eventually(async () => staged().length === 0, 3000, 'the staged part removed');
    expect((await chat.waitFor((m) => m.text.includes('was interrupted'))).text).toContain('half.csv');
    expect((await fetch(`${rt.url}/health`)).status).toBe(200);
  });

  it.each([
    ['a bad chat id', () => fetch(`${rt.url}/chat/api/messages?chatId=nope`), 400],
    ['an empty message', () => fetch(`${rt.url}/chat/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chatId: crypto.randomUUID(), text: ' ' }) }), 400],
    ['malformed JSON', () => fetch(`${rt.url}/chat/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' }), 400],
    ['an action without a control', () => fetch(`${rt.url}/chat/api/actions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chatId: crypto.randomUUID(), messageId: 1 }) }), 400],
    ['an upload that is not multipart', () => fetch(`${rt.url}/chat/api/upload?chatId=${crypto.randomUUID()}`, { method: 'POST', body: 'x' }), 400],
    ['an upload without a file', () => {
      const form = new FormData();
      form.append('note', 'no file');
      return fetch(`${rt.url}/chat/api/upload?chatId=${crypto.randomUUID()}`, { method: 'POST', body: form });
    }, 400],
    ['an upload with an unknown access', () => fetch(`${rt.url}/chat/api/upload?chatId=${crypto.randomUUID()}&access=everyone`, { method: 'POST', body: new FormData() }), 400],
    ['a malformed dataset id', () => fetch(`${rt.url}/v1/datasets/abc`), 404],
    ['an unknown dataset', () => fetch(`${rt.url}/v1/datasets/ds_0000000000`), 404],
    ['an unknown assistant', () => fetch(`${rt.url}/v1/assistants/as_0000000000`), 404],
    ['an unknown endpoint', () => fetch(`${rt.url}/v1/nothing`), 404],
  ])('answers %s with a clear JSON error', async (_name, call, status) => {
    const res = await call();
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toMatch(/^[a-z_]+$/);
    expect(body.message.length).toBeGreaterThan(3);
  });

  it('answers a forged or unknown control as expired, changing nothing', async () => {
    const chat = webChat(rt.url!);
    const hello = await chat.say('/start');
    await chat.act(hello, 'A'.repeat(22));
    expect((await chat.waitFor((m) => m.text.includes('expired'), { after: hello.id })).text).toMatch(/⚠️ This has expired/);
    await chat.act(hello, '../../etc/passwd');
    await chat.waitFor((m) => m.text.includes('expired') && m.id > hello.id + 1, { after: hello.id });
  });
});
