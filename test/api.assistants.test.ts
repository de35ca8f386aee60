import crypto from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { like } from 'drizzle-orm';
import { createApiKey } from '../platform/apikeys/createApiKey.ts';
import { ensureUser } from '../platform/identity/ensureUser.ts';
import { notifications } from '../platform/db/schema.ts';
import { eventually, startTestRuntime, storedCounts, type TestRuntime } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FAQ = [
  'question,answer',
  'How long do refunds take?,Refunds arrive within 5 business days.',
  'Can I cancel my order?,"Yes, orders can be cancelled until they ship."',
  'Do you ship abroad?,We ship to 40 countries.',
  'What is the warranty?,Every frame has a two year warranty.',
  '',
].join('\n');
const STEPS = 100;
const MAX_BYTES = 32 * 1024;

/**
 * Datasets and assistants over `/v1` with plain HTTP, against the whole stack: a file uploaded
 * as multipart goes through the chat's pipeline (staging, ingest, automatic review, mint) with
 * no chat to tell; an assistant created from JSON fine-tunes with its progress readable while it
 * trains; its loss plot is a PNG; it answers as JSON and as server-sent events. And what a
 * client gets wrong: keys, ids of others (404), bodies (400, 413, 415), broken uploads.
 */
describe('/v1 datasets and assistants', () => {
  let rt: TestRuntime;
  const base = writeTinyBase();
  let owner: { userId: number; key: string };
  let stranger: { userId: number; key: string };
  let datasetId: string;
  let uploadId: string;
  let assistantId: string;
  let queuedId: string;

  const person = async () => {
    const user = await ensureUser({ db: rt.database.db, masterKey: rt.money.masterKey }, { platform: 'web', externalId: crypto.randomUUID() });
    const k = await createApiKey({ db: rt.database.db }, { userId: user.id, kind: 'personal' });
    return { userId: user.id, key: k.token };
  };
  const api = (path: string, init: RequestInit & { key?: string | undefined; json?: unknown } = {}) => {
    const headers = new Headers(init.headers);
    if (init.key) headers.set('authorization', `Bearer ${init.key}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(`${rt.url}/v1${path}`, { ...init, headers, body });
  };
  const getJson = async (path: string, key?: string) => {
    const res = await api(path, { key });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const upload = (key: string | undefined, file: { name: string; content: string } | null, fields: Record<string, string> = {}) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    if (file) form.append('file', new Blob([file.content]), file.name);
    return api('/datasets', { method: 'POST', key, body: form });
  };
  const expectError = async (res: Response, status: number, error?: string) => {
    const body = (await res.json()) as Json;
    expect({ status: res.status, ...body }).toMatchObject({ status, ...(error ? { error } : {}), message: expect.any(String) });
    return body;
  };

  beforeAll(async () => {
    rt = await startTestRuntime({
      ENGINE_BASE_CHECKPOINT: base.file,
      ENGINE_FINETUNE_MIN_STEPS: String(STEPS),
      ENGINE_FINETUNE_MAX_STEPS: String(STEPS),
      ENGINE_SERVE_WORKERS: '1',
      ENGINE_TRAIN_WORKERS: '1',
      UPLOAD_MAX_BYTES: String(MAX_BYTES),
      // The fine-tune is polled often: the per-key limit is not under test here.
      API_RATE_LIMIT_KEY: '100000',
      API_RATE_LIMIT_IP: '100000',
    });
    owner = await person();
    stranger = await person();
  });
  afterAll(async () => {
    await rt?.close();
    base.remove();
  });

  it('uploads a dataset as multipart and follows it through review to its receipt, telling no chat', async () => {
    const res = await upload(owner.key, { name: 'shop-faq.csv', content: FAQ });
    expect(res.status).toBe(202);
    const queued = (await res.json()) as Json;
    expect(queued).toMatchObject({ fileName: 'shop-faq.csv', status: 'queued', reason: null, access: 'private', dataset: null, bytes: FAQ.length });
    uploadId = queued.id;

    const accepted = await eventually(async () => {
      const u = await getJson(`/uploads/${uploadId}`, owner.key);
      return u.body.status === 'accepted' && u.body.dataset ? u.body : undefined;
    }, 30_000, 'the upload accepted');
    datasetId = accepted.dataset.id;
    expect(datasetId).toMatch(/^ds_[0-9a-z]{10}$/);

    // No validators are appointed: approved automatically, then registered on-chain with a receipt.
    const minted = await eventually(async () => {
      const d = await getJson(`/datasets/${datasetId}`, owner.key);
      return d.body.receipt ? d.body : undefined;
    }, 60_000, 'the dataset minted');
    expect(minted).toMatchObject({
      id: datasetId,
      name: 'shop-faq.csv',
      format: 'csv',
      rows: 4,
      bytes: FAQ.length,
      columns: ['question', 'answer'],
      status: 'approved',
      rejectionReason: null,
      access: 'private',
      mine: true,
      chainAssetId: expect.stringMatching(/^\d+$/),
      receipt: { id: expect.stringMatching(/^\d+$/), holder: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/), txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) },
    });
    expect(minted.sha256).toMatch(/^[0-9a-f]{64}$/);
    const list = await getJson('/datasets', owner.key);
    expect(list).toMatchObject({ status: 200, body: { items: [{ id: datasetId, status: 'approved' }], nextCursor: null } });
    // An upload over the API has no chat: nothing was queued to be said anywhere.
    const said = await rt.database.db.select().from(notifications).where(like(notifications.key, `upload:${uploadId}:%`));
    expect(said).toEqual([]);
    expect((await storedCounts(rt)).staged).toBe(0);

    // The same content again: a duplicate of the owner's dataset, named to its owner.
    const again = (await (await upload(owner.key, { name: 'copy.csv', content: FAQ }, { access: 'open' })).json()) as Json;
    const dup = await eventually(async () => {
      const u = await getJson(`/uploads/${again.id}`, owner.key);
      return u.body.status === 'duplicate' ? u.body : undefined;
    }, 30_000, 'the duplicate');
    expect(dup).toMatchObject({ access: 'open', dataset: { id: datasetId, status: 'approved' }, reason: `The same content is already your dataset ${datasetId}.` });
    // A file that fails validation: rejected with its reason.
    const bad = (await (await upload(owner.key, { name: 'broken.jsonl', content: '{"q": 1}\nnot json\n' })).json()) as Json;
    const rejected = await eventually(async () => {
      const u = await getJson(`/uploads/${bad.id}`, owner.key);
      return u.body.status === 'rejected' ? u.body : undefined;
    }, 30_000, 'the rejection');
    expect(rejected.reason).toMatch(/line 2/i);
    expect(rejected.dataset).toBeNull();
  });

  it('creates an assistant from JSON and follows its fine-tune as it trains, to its loss plot', async () => {
    const res = await api('/assistants', {
      method: 'POST',
      key: owner.key,
      json: {
        name: 'Shop Helper',
        tagline: 'Answers from the shop FAQ',
        instructions: 'A friendly shop assistant that answers from the FAQ.',
        starters: ['How long do refunds take?'],
        datasets: [datasetId],
        visibility: 'public',
        licenses: [{ kind: 'api', price: '2500000' }],
      },
    });
    expect(res.status).toBe(201);
    const card = (await res.json()) as Json;
    expect(card).toMatchObject({
      name: 'Shop Helper',
      tagline: 'Answers from the shop FAQ',
      starters: ['How long do refunds take?'],
      visibility: 'public',
      status: 'training',
      // Filled from the money settings, as the chat wizard does.
      licenses: [{ kind: 'api', price: '2500000', currency: rt.money.currencies[0]!.address, durationSeconds: 30 * 86_400, quota: 1000, onChain: false }],
    });
    assistantId = card.id;

    // A second one waits behind the first (one fine-tune at a time): queued, no loss to plot.
    const second = (await (
      await api('/assistants', { method: 'POST', key: owner.key, json: { name: 'Second', instructions: 'Another assistant on the same FAQ.', datasets: [datasetId], visibility: 'private' } })
    ).json()) as Json;
    queuedId = second.id;
    expect((await getJson(`/assistants/${queuedId}/finetune`, owner.key)).body).toMatchObject({ status: 'queued', progress: null, losses: [], lossPlot: null, startedAt: null });
    await expectError(await api(`/assistants/${queuedId}/finetune/loss.png`, { key: owner.key }), 409, 'no_loss_yet');

    const seen: Json[] = [];
    const done = await eventually(async () => {
      const f = await getJson(`/assistants/${assistantId}/finetune`, owner.key);
      seen.push(f.body);
      return f.body.status === 'ready' ? f.body : undefined;
    }, 120_000, 'the fine-tune ready');
    const midway = seen.filter((f) => f.status === 'training' && f.progress && f.progress.step < f.progress.totalSteps);
    expect(midway.length).toBeGreaterThan(0);
    for (const f of midway) {
      expect(f.progress.totalSteps).toBe(STEPS);
      expect(f.losses).toHaveLength(f.progress.step);
      expect(f.progress.percent).toBe(Math.floor((100 * f.progress.step) / STEPS));
      expect(f.lossPlot).toBe(`/v1/assistants/${assistantId}/finetune/loss.png`);
    }
    // Recorded at most once a second while it trains (the last write, at the end, may come sooner).
    const writes = [...new Set(midway.map((f) => Date.parse(f.updatedAt)))].sort((a, b) => a - b);
    for (let i = 1; i < writes.length; i++) expect(writes[i]! - writes[i - 1]!).toBeGreaterThanOrEqual(950);
    // Steps only go forward.
    const steps = seen.map((f) => f.progress?.step ?? 0);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(done).toMatchObject({
      assistant: { id: assistantId, name: 'Shop Helper' },
      status: 'ready',
      error: null,
      progress: { step: STEPS, totalSteps: STEPS, percent: 100 },
      heldOutLoss: null,
      startedAt: expect.any(String),
    });
    expect(done.losses).toHaveLength(STEPS);
    expect(done.losses.every((x: unknown) => typeof x === 'number')).toBe(true);

    const png = await api(`/assistants/${assistantId}/finetune/loss.png`, { key: owner.key });
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    const bytes = new Uint8Array(await png.arrayBuffer());
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  it('chats with citations, as JSON and as server-sent events', async () => {
    // Priced: its creator chats without a license.
    const ask = (stream?: boolean) =>
      api(`/assistants/${assistantId}/chat`, {
        method: 'POST',
        key: owner.key,
        json: { messages: [{ role: 'user', content: 'How long do refunds take?' }], ...(stream === undefined ? {} : { stream }) },
      });
    const res = await ask();
    expect(res.status).toBe(200);
    const reply = (await res.json()) as Json;
    expect(reply.text).toContain('Refunds arrive within 5 business days');
    expect(reply.citations[0]).toMatchObject({ index: 1, datasetName: 'shop-faq.csv', location: 'row 1' });

    const sse = await ask(true);
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await sse.text())
      .split('\n\n')
      .filter(Boolean)
      .map((block) => {
        const lines = block.split('\n');
        return { event: lines.find((l) => l.startsWith('event: '))!.slice(7), data: JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)) as Json };
      });
    const deltas = events.filter((e) => e.event === 'delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(events.slice(deltas.length).map((e) => e.event)).toEqual(['citations', 'done']);
    const done = events.at(-1)!.data;
    expect(deltas.map((e) => e.data.text).join('')).toBe(done.text);
    expect(done.text).toContain('Refunds arrive within 5 business days');
    expect(events.at(-2)!.data).toEqual(done.citations);
    expect(done).toMatchObject({ assistant: { id: assistantId, name: 'Shop Helper' }, citations: [{ index: 1, datasetName: 'shop-faq.csv' }], usage: null });

    // Errors before the stream stay JSON: a priced assistant, no license.
    const refused = await api(`/assistants/${assistantId}/chat`, { method: 'POST', json: { messages: [{ role: 'user', content: 'hi' }], stream: true } });
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    await expectError(refused, 402, 'license_required');
  });

  it('lists public assistants to anyone and your own with mine=true, page by page', async () => {
    const pub = await getJson('/assistants');
    expect(pub.status).toBe(200);
    expect(pub.body.items.map((a: Json) => a.id)).toEqual([assistantId]);
    const mine = await getJson('/assistants?mine=true&limit=1', owner.key);
    // Newest first: the private one (still training or ready), then the public one on the next page.
    expect(mine.body.items.map((a: Json) => a.id)).toEqual([queuedId]);
    expect(mine.body.nextCursor).toEqual(expect.any(String));
    const next = await getJson(`/assistants?mine=true&limit=1&cursor=${mine.body.nextCursor}`, owner.key);
    expect(next.body).toMatchObject({ items: [{ id: assistantId, licenses: [{ kind: 'api' }] }], nextCursor: null });
    expect((await getJson('/assistants?mine=true', stranger.key)).body).toEqual({ items: [], nextCursor: null });
    await expectError(await api('/assistants?mine=true'), 401, 'missing_key');
    await expectError(await api('/assistants?cursor=nope'), 400);
    await expectError(await api('/assistants?mine=yes'), 400);
    await expectError(await api('/assistants?color=red'), 400);
  });

  it('answers 404 for what the caller may not see, and 401 without a key', async () => {
    for (const path of ['/datasets', `/uploads/${uploadId}`, `/assistants/${assistantId}/finetune`, `/assistants/${assistantId}/finetune/loss.png`])
      await expectError(await api(path), 401, 'missing_key');
    await expectError(await upload(undefined, { name: 'a.csv', content: FAQ }), 401, 'missing_key');
    await expectError(await api('/assistants', { method: 'POST', json: {} }), 401, 'missing_key');

    // The owner's private dataset, upload and fine-tune are unknown to anyone else.
    await expectError(await api(`/uploads/${uploadId}`, { key: stranger.key }), 404, 'not_found');
    await expectError(await api('/uploads/not-a-uuid', { key: owner.key }), 404, 'not_found');
    await expectError(await api(`/datasets/${datasetId}`, { key: stranger.key }), 404, 'not_found');
    await expectError(await api(`/datasets/${datasetId}`), 404, 'not_found');
    await expectError(await api(`/assistants/${assistantId}/finetune`, { key: stranger.key }), 404, 'not_found');
    await expectError(await api(`/assistants/${assistantId}/finetune/loss.png`, { key: stranger.key }), 404, 'not_found');
    await expectError(await api(`/assistants/${queuedId}/finetune`, { key: stranger.key }), 404, 'not_found');
    expect((await getJson('/datasets', stranger.key)).body).toEqual({ items: [], nextCursor: null });
    // Building on someone else's private dataset: it is not one you may use.
    const foreign = await expectError(
      await api('/assistants', { method: 'POST', key: stranger.key, json: { name: 'Thief', instructions: 'Answers from stolen data.', datasets: [datasetId], visibility: 'private' } }),
      400,
      'bad_request',
    );
    expect(foreign.message).toContain('no approved dataset you may build on');
  });

  it('refuses malformed, unknown, oversized and mistyped JSON bodies', async () => {
    const post = (body: string, contentType = 'application/json') =>
      api('/assistants', { method: 'POST', key: owner.key, headers: { 'content-type': contentType }, body });
    const valid = { name: 'Ok', instructions: 'A valid persona text.', datasets: [datasetId], visibility: 'private' };
    await expectError(await post('{"name": "x",'), 400, 'bad_request');
    expect((await expectError(await post(JSON.stringify({ ...valid, colour: 'red' })), 400)).message).toContain('colour');
    expect((await expectError(await post(JSON.stringify({ ...valid, licenses: [{ kind: 'api', price: '5', currency: '0x0000000000000000000000000000000000000001' }] })), 400)).message).toContain(
      'not a currency licenses are sold in',
    );
    await expectError(await post(JSON.stringify({ ...valid, licenses: [{ kind: 'api', price: '0' }] })), 400);
    await expectError(await post(JSON.stringify({ ...valid, licenses: [{ kind: 'api', price: '1' }, { kind: 'api', price: '2' }] })), 400);
    await expectError(await post(JSON.stringify(valid), 'text/plain'), 415, 'unsupported_media_type');
    await expectError(await post(JSON.stringify({ ...valid, instructions: 'x'.repeat(70_000) })), 413, 'too_large');
    // Nothing was created by any of them.
    expect((await getJson('/assistants?mine=true', owner.key)).body.items).toHaveLength(2);
  });

  it('refuses broken uploads with a clear 4xx, keeps nothing staged and stays up', async () => {
    const before = await storedCounts(rt);
    const raw = (body: string, contentType: string) =>
      api('/datasets', { method: 'POST', key: owner.key, headers: { 'content-type': contentType }, body });
    const part = (name: string, value: string, fileName?: string) =>
      `--b0undary\r\nContent-Disposition: form-data; name="${name}"${fileName ? `; filename="${fileName}"` : ''}\r\n${fileName ? 'Content-Type: text/csv\r\n' : ''}\r\n${value}\r\n`;

    await expectError(await raw(FAQ, 'text/csv'), 415, 'unsupported_media_type');
    await expectError(await raw(FAQ, 'multipart/form-data'), 400, 'bad_request'); // no boundary
    await expectError(await raw('this is not multipart', 'multipart/form-data; boundary=b0undary'), 400, 'bad_request');
    expect((await expectError(await upload(owner.key, null, { access: 'open' }), 400, 'bad_request')).message).toContain('No file');
    expect((await expectError(await upload(owner.key, { name: 'a.csv', content: FAQ }, { colour: 'red' }), 400)).message).toContain('colour');
    expect((await expectError(await upload(owner.key, { name: 'a.csv', content: FAQ }, { access: 'public' }), 400)).message).toContain('access');
    await expectError(await raw(part('file', FAQ, 'a.csv') + part('file', FAQ, 'b.csv') + '--b0undary--\r\n', 'multipart/form-data; boundary=b0undary'), 400);
    await expectError(await raw(part('data', FAQ, 'a.csv') + '--b0undary--\r\n', 'multipart/form-data; boundary=b0undary'), 400);
    // Cut short: the closing boundary never comes.
    await expectError(await raw(part('file', FAQ, 'a.csv').slice(0, -2), 'multipart/form-data; boundary=b0undary'), 400, 'bad_request');
    await expectError(await upload(owner.key, { name: 'tool.exe', content: 'MZ' }), 415, 'unsupported_format');
    await expectError(await upload(owner.key, { name: 'empty.csv', content: '' }), 400, 'empty');
    // Too large: declared up front (answered before reading), just over the limit, and streamed without a length.
    const big = `question,answer\n${'q,a\n'.repeat(MAX_BYTES)}`;
    await expectError(await upload(owner.key, { name: 'big.csv', content: big }), 413, 'too_large');
    const justOver = `question,answer\n${'x'.repeat(MAX_BYTES)}`;
    await expectError(await upload(owner.key, { name: 'over.csv', content: justOver }), 413, 'too_large');
    const streamed = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(part('file', big, 'big.csv') + '--b0undary--\r\n'));
        c.close();
      },
    });
    const chunked = await fetch(`${rt.url}/v1/datasets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.key}`, 'content-type': 'multipart/form-data; boundary=b0undary' },
      body: streamed,
      duplex: 'half',
    } as RequestInit);
    await expectError(chunked, 413, 'too_large');

    // The connection dropped half-way through the file.
    await new Promise<void>((resolve) => {
      const url = new URL(`${rt.url}/v1/datasets`);
      const req = http.request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { authorization: `Bearer ${owner.key}`, 'content-type': 'multipart/form-data; boundary=b0undary', 'content-length': '100000' },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(part('file', 'question,answer\n'.repeat(500), 'cut.csv').slice(0, 4000), () => setTimeout(() => req.destroy(), 200));
    });

    await eventually(async () => (await storedCounts(rt)).staged === 0, 5_000, 'no staged file left');
    // (The second assistant may be registered on-chain meanwhile: only datasets and files are compared.)
    const after = await storedCounts(rt);
    expect({ d: after.d, blobs: after.blobs, staged: after.staged }).toEqual({ d: before.d, blobs: before.blobs, staged: 0 });
    expect((await fetch(`${rt.url}/v1/chain`)).status).toBe(200);
    // No refused upload became a dataset.
    const mine = await getJson('/datasets', owner.key);
    expect(mine.body.items).toHaveLength(1);
  });
});
