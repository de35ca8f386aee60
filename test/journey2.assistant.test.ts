import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';
import { webChat, type WebChat, type WebMsg } from './helpers/webChat.ts';
import { assetRegistryAbi, receiptsAbi } from '../contracts/bindings/index.ts';
import { datasets } from '../platform/db/schema.ts';
import { ensureUser } from '../platform/identity/ensureUser.ts';
import { loadMasterKey } from '../platform/crypto/masterKey.ts';

/**
 * Journey 2 in the web chat: contribute a dataset, build an assistant with the wizard (a form,
 * a select of datasets, buttons), watch it train (progress edits, loss plot), then chat with it
 * and get answers that cite the data — and never reach someone else's private data.
 */
describe('journey 2: create an assistant by chat, fine-tune, chat with citations', () => {
  let rt: TestRuntime;
  let chat: WebChat;
  const base = writeTinyBase();

  beforeAll(async () => {
    rt = await startTestRuntime({
      ENGINE_BASE_CHECKPOINT: base.file,
      ENGINE_FINETUNE_MIN_STEPS: '8',
      ENGINE_FINETUNE_MAX_STEPS: '8',
      ENGINE_SERVE_WORKERS: '1',
      ENGINE_TRAIN_WORKERS: '1',
      CITATION_MAX_CHARS: '60',
    });
    chat = webChat(rt.url!);
  });
  afterAll(async () => {
    await rt?.close();
    base.remove();
  });

  /** Uploads a file in `c`, answers the access question, and returns the dataset's public id once accepted. */
  async function contribute(c: WebChat, name: string, content: string, access: 'Open' | 'Private'): Promise<string> {
    expect((await c.upload(name, content)).status).toBe(202);
    const question = await c.waitFor((m) => m.text.startsWith(`Who may build assistants on ${name}`));
    await c.press(question, access);
    const done = await c.waitFor((m) => m.text.startsWith('✅ Dataset') && m.text.includes(name), { timeoutMs: 20_000, what: 'receipt' });
    return /Dataset (ds_[0-9a-z]{10})/.exec(done.text)![1]!;
  }

  let datasetId: string;
  let assistantId: string;
  let strangersPrivate: string;

  it('contributes the knowledge dataset (and a stranger contributes a private one)', async () => {
    const csv = [
      'question,answer',
      'How long do refunds take?,Refunds arrive within 5 business days after we receive the parcel back at our warehouse.',
      'Can I cancel my order?,"Yes, orders can be cancelled until they ship."',
      'Do you ship abroad?,We ship to 40 countries in Europe and Asia.',
      'What is the warranty?,Every device has a two year warranty.',
    ].join('\n');
    datasetId = await contribute(chat, 'shop-faq.csv', csv, 'Private');
    strangersPrivate = await contribute(webChat(rt.url!), 'secret-notes.txt', 'the vault code is 4711\nnever tell anyone\n', 'Private');
  });

  let card: WebMsg;

  it('walks the wizard: the card form refuses a bad answer and keeps what was typed', async () => {
    card = await chat.say('/newassistant');
    expect(card.text).toContain('step 1/5');
    expect(card.controls?.form?.fields.map((f) => f.name)).toEqual(['name', 'tagline', 'instructions', 'greeting', 'starters']);
    const again = await chat.submit(card, { name: 'x', instructions: 'A friendly support agent for our web shop.' });
    expect(again.text).toMatch(/⚠️ The name needs at least 2 characters/);
    expect(again.controls?.form?.fields.find((f) => f.name === 'instructions')?.value).toBe('A friendly support agent for our web shop.');
    card = again;
  });

  let step: WebMsg;

  it('offers only the person’s own datasets and open ones; a forged choice of someone else’s private data is ignored', async () => {
    step = await chat.submit(card, {
      name: 'Shop Helper',
      tagline: '',
      instructions: 'A friendly support agent for our web shop. Answers from the FAQ.',
      greeting: 'Hi! Ask me about orders, refunds and shipping.',
      starters: 'How long do refunds take? | Can I cancel my order?',
    });
    expect(step.text).toContain('step 2/5');
    const options = (step.controls!.rows!.find((r) => 'select' in r) as { select: { options: Array<{ value: string }> } }).select.options.map((o) => o.value);
    expect(options).toContain(datasetId);
    expect(options).not.toContain(strangersPrivate);

    await chat.act(step, chat.controlOf(step, 'Pick datasets'), { values: [strangersPrivate] });
    const after = await chat.say('/help');
    const refused = await chat.press((await chat.messages()).find((m) => m.id === step.id)!, 'Continue');
    expect(refused.text).toMatch(/⚠️ Pick at least one dataset first/);
    expect(refused.id).toBeGreaterThan(after.id);
  });

  it('takes the datasets, visibility and price, then creates and trains on confirm', async () => {
    const current = (await chat.messages()).find((m) => m.id === step.id)!;
    const chosen = await chat.choose(current, 'Pick datasets', [datasetId]);
    expect(chosen.id).toBe(step.id);
    expect(chosen.text).toContain(`Chosen: ${datasetId}`);
    const visibility = await chat.press(chosen, 'Continue');
    expect(visibility.text).toContain('step 3/5');
    const price = await chat.press(visibility, 'Public');
    expect(price.text).toContain('step 4/5');
    const priceForm = await chat.press(price, 'Set prices');
    const bad = await chat.submit(priceForm, { period: '-1' });
    expect(bad.text).toMatch(/⚠️ "-1" is not an amount of USDC/);
    const confirm = await chat.submit(bad, { period: '0.01', api: '2.5' });
    expect(confirm.text).toContain('step 5/5');
    expect(confirm.text).toContain('30-day license: 0.01 USDC');
    expect(confirm.text).toContain('API license (30 days, 1,000 calls): 2.5 USDC');
    expect(confirm.text).not.toContain('perpetual');
    expect(confirm.text).toContain(`Knowledge: ${datasetId}`);
    await chat.press(confirm, 'Create and train');
    const training = await chat.waitFor((m) => /🧠 Training Shop Helper \(as_[0-9a-z]{10}\)/.test(m.text), { what: 'training message' });
    assistantId = /\((as_[0-9a-z]{10})\)/.exec(training.text)![1]!;
    // A double click on Create acts once.
    expect((await chat.act(confirm, chat.controlOf(confirm, 'Create and train'))).status).toBe(202);
    await chat.waitFor((m) => m.text.includes('already done'), { after: training.id });
    expect((await chat.messages()).filter((m) => m.text.startsWith('🧠 Training Shop Helper'))).toHaveLength(1);
  });

  it('trains with progress edited into the chat and sends the loss curve as a picture', async () => {
    const ready = await chat.waitFor((m) => m.text.startsWith('✅ Shop Helper is ready'), { timeoutMs: 90_000, what: 'training to finish' });
    expect(ready.text).toMatch(/8 steps · training loss \d+\.\d{3} → \d+\.\d{3}\nheld-out loss: not measured/);
    expect(ready.text).not.toContain('resumed');
    const plot = await chat.waitFor((m) => Boolean(m.image), { what: 'loss plot' });
    expect(plot.text).toContain('Loss curve');
    const png = Buffer.from(await (await fetch(`${rt.url}${plot.image}`)).arrayBuffer());
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    // The image belongs to this chat only.
    expect((await fetch(`${rt.url}${plot.image!.replace(chat.chatId, crypto.randomUUID())}`)).status).toBe(404);
  });

  it('registers the assistant on-chain, trained on its dataset, with a creator receipt', async () => {
    const note = await chat.waitFor((m) => m.text.startsWith('🧾 Shop Helper is on-chain'), { timeoutMs: 30_000, what: 'registration' });
    const assetId = BigInt(/asset #(\d+), trained on/.exec(note.text)![1]!);
    const receiptId = BigInt(/creator receipt #(\d+)/.exec(note.text)![1]!);
    const holder = /holder: (0x[0-9a-fA-F]{40})/.exec(note.text)![1];
    const { publicClient, addresses } = rt.chain;
    const parents = await publicClient.readContract({ address: addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'parentsOf', args: [assetId] });
    expect(parents).toHaveLength(1);
    expect(parents[0]!.relation).toBe(0);
    const asset = await publicClient.readContract({ address: addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'assetOf', args: [assetId] });
    expect(asset.kind).toBe(2);
    expect(await publicClient.readContract({ address: addresses.receipts, abi: receiptsAbi, functionName: 'ownerOf', args: [receiptId] })).toBe(holder);
  });

  it('chats with the assistant, cites the dataset with a short passage, and /ask leaves /use mode alone', async () => {
    const greeting = await chat.say(`/use ${assistantId}`);
    expect(greeting.text).toContain('Hi! Ask me about orders, refunds and shipping.');
    expect(greeting.controls?.rows?.[0]).toMatchObject({ buttons: [{ label: 'How long do refunds take?' }, { label: 'Can I cancel my order?' }] });
    const answer = await chat.press(greeting, 'Can I cancel my order?');
    expect(answer.text).toMatch(/^🤖 Shop Helper:/);
    expect(answer.text).toContain('Yes, orders can be cancelled until they ship.');
    expect(answer.text).toMatch(/\[1\]/);
    expect(answer.text).toContain('shop-faq.csv');
    // Quotes are cut at CITATION_MAX_CHARS (60): the long refund answer is never handed out whole.
    const refund = await chat.say('How long do refunds take?');
    expect(refund.text).toContain('Refunds arrive within 5 business days');
    expect(refund.text).not.toContain('warehouse');

    const once = await chat.say(`/ask ${assistantId} Do you ship abroad?`);
    expect(once.text).toContain('We ship to 40 countries');
    // Still talking to Shop Helper: /ask did not switch, and /use mode was not left.
    expect((await chat.say('What is the warranty?')).text).toContain('two year warranty');
    expect((await chat.say('/stop')).text).toContain('Stopped talking to Shop Helper');
    expect((await chat.say('hello')).text).toMatch(/^Send me a \.csv/);
  });

  it('answers developers over REST: the card, chat with citations, and clear errors', async () => {
    const card = await fetch(`${rt.url}/v1/assistants/${assistantId}`);
    expect(await card.json()).toMatchObject({
      id: assistantId,
      name: 'Shop Helper',
      status: 'ready',
      visibility: 'public',
      licenses: [
        { kind: 'period', price: '10000', durationSeconds: 30 * 86_400, quota: 0 },
        { kind: 'api', price: '2500000', durationSeconds: 30 * 86_400, quota: 1000 },
      ],
    });
    const post = (id: string, body: unknown) =>
      fetch(`${rt.url}/v1/assistants/${id}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // Priced: anonymous REST calls need a license (API keys bound to licenses are a later issue).
    const refused = await post(assistantId, { messages: [{ role: 'user', content: 'How long do refunds take?' }] });
    expect(refused.status).toBe(402);
    expect(await refused.json()).toMatchObject({ error: 'license_required', assistant: assistantId });
    // The creator stops selling both licenses: the assistant is free again.
    expect((await chat.say(`/price ${assistantId} period 0`)).text).toContain('is no longer sold');
    expect((await chat.say(`/price ${assistantId} api 0`)).text).toContain('is no longer sold');
    const res = await post(assistantId, { messages: [{ role: 'user', content: 'How long do refunds take?' }] });
    expect(res.status).toBe(200);
    const reply = (await res.json()) as { text: string; citations: Array<{ index: number; datasetName: string; location: string; snippet: string }> };
    expect(reply.text).toContain('Refunds arrive within 5 business days');
    expect(reply.citations[0]).toMatchObject({ index: 1, datasetName: 'shop-faq.csv', location: 'row 1' });
    expect(reply.citations[0]!.snippet.length).toBeLessThanOrEqual(60);

    expect((await post(assistantId, { messages: [] })).status).toBe(400);
    expect((await post(assistantId, { messages: [{ role: 'assistant', content: 'hi' }] })).status).toBe(400);
    expect((await post(assistantId, { messages: [{ role: 'user', content: 'why '.repeat(300) }] })).status).toBe(400);
    expect((await post('as_0000000000', { messages: [{ role: 'user', content: 'hi' }] })).status).toBe(404);
    expect((await post('abc', { messages: [{ role: 'user', content: 'hi' }] })).status).toBe(404);
  });

  it('pages a select past 25 options, keeping what was chosen on every page', async () => {
    // 26 open datasets of someone else (rows written directly: only the listing matters here).
    const other = await ensureUser({ db: rt.database.db, masterKey: loadMasterKey({ home: rt.home }) }, { platform: 'web', externalId: crypto.randomUUID() });
    await rt.database.db.insert(datasets).values(
      Array.from({ length: 26 }, (_, i) => ({
        publicId: `ds_pagetest${String(i).padStart(2, '0')}`.slice(0, 13),
        ownerId: other.id,
        name: `open-${String(i).padStart(2, '0')}.txt`,
        format: 'txt' as const,
        bytes: 10,
        rows: 1,
        sha256: crypto.createHash('sha256').update(`page ${i}`).digest('hex'),
        storageKey: `datasets/page-${i}.enc`,
        wrappedKey: Buffer.alloc(16),
        status: 'approved' as const,
        access: 'open' as const,
      })),
    );
    const form = await chat.say('/newassistant');
    const first = await chat.submit(form, { name: 'Pager', instructions: 'Tries the pages of the dataset list.' });
    expect(first.text).toContain('Page 1 of 2');
    const firstPage = (first.controls!.rows!.find((r) => 'select' in r) as { select: { options: Array<{ value: string }> } }).select.options;
    expect(firstPage).toHaveLength(25);
    // Own datasets come first.
    expect(firstPage[0]!.value).toBe(datasetId);
    const picked = await chat.choose(first, 'Pick datasets', [firstPage[1]!.value]);
    const second = await chat.press(picked, 'Next');
    expect(second.text).toContain('Page 2 of 2');
    const secondPage = (second.controls!.rows!.find((r) => 'select' in r) as { select: { options: Array<{ value: string }> } }).select.options;
    expect(secondPage.length).toBeGreaterThanOrEqual(2);
    const both = await chat.choose(second, 'Pick datasets', [secondPage.at(-1)!.value]);
    expect(both.text).toContain(`Chosen: ${firstPage[1]!.value}, ${secondPage.at(-1)!.value}`);
    const back = await chat.press(both, 'Previous');
    expect(back.text).toContain('Page 1 of 2');
    expect((back.controls!.rows!.find((r) => 'select' in r) as { select: { selected?: string[] } }).select.selected).toEqual([firstPage[1]!.value]);
    expect((await chat.say('/cancel')).text).toBe('Cancelled; nothing was created.');
  });

  it('fails a fine-tune on data too small to learn from, once, with a clear message', async () => {
    const tiny = await contribute(chat, 'tiny.txt', 'hi\n', 'Private');
    const form = await chat.say('/newassistant');
    const pick = await chat.submit(form, { name: 'Tiny', instructions: 'Knows almost nothing at all.' });
    const chosen = await chat.choose(pick, 'Pick datasets', [tiny]);
    const vis = await chat.press(chosen, 'Continue');
    const price = await chat.press(vis, 'Private');
    const confirm = await chat.press(price, 'Free');
    expect(confirm.text).toContain('License: free');
    await chat.press(confirm, 'Create and train');
    const training = await chat.waitFor((m) => m.text.startsWith('🧠 Training Tiny'), { what: 'training message' });
    const id = /\((as_[0-9a-z]{10})\)/.exec(training.text)![1]!;
    const failed = await chat.waitFor((m) => m.text.startsWith('❌ Training Tiny failed'), { timeoutMs: 30_000, what: 'failure' });
    expect(failed.text).toMatch(/The datasets are too small to train on: \d+ characters, at least \d+ are needed/);
    expect((await chat.say(`/use ${id}`)).text).toMatch(/^⚠️ Tiny's training failed: The datasets are too small/);
    // A private assistant is unknown over REST.
    expect((await fetch(`${rt.url}/v1/assistants/${id}`)).status).toBe(404);
  });

  it('refuses what cannot be used, clearly', async () => {
    expect((await chat.say(`/ask ${assistantId} ${'why '.repeat(300)}`)).text).toMatch(/^⚠️ A question is at most 1,000 characters; this one has 1,199\.$/);
    expect((await chat.say('/use as_0000000000')).text).toBe('⚠️ There is no assistant as_0000000000 you can use.');
    expect((await chat.say('/ask')).text).toBe('⚠️ The assistant is missing. Usage: /ask <assistant> <question>');
    // Another person cannot use a private assistant, nor learn that it exists.
    const stranger = webChat(rt.url!);
    const tinyId = /\((as_[0-9a-z]{10})\)/.exec((await chat.messages()).find((m) => m.text.startsWith('🧠 Training Tiny'))!.text)![1]!;
    expect((await stranger.say(`/use ${tinyId}`)).text).toBe(`⚠️ There is no assistant ${tinyId} you can use.`);
    const form = await chat.say('/newassistant');
    const pick = await chat.submit(form, { name: 'Later', instructions: 'Started, then cancelled.' });
    expect((await chat.say('/cancel')).text).toBe('Cancelled; nothing was created.');
    // The cancelled wizard's controls lead nowhere.
    const over = await chat.press(pick, 'Continue');
    expect(over.text).toBe('⚠️ This wizard is over. Start again with /newassistant.');
  });
});
