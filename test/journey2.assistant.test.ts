import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, eventually, type TestRuntime } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';
import { assetRegistryAbi, receiptsAbi } from '../contracts/bindings/index.ts';
import { getDatasetView } from '../platform/datasets/listUserDatasets.ts';

type Msg = { id: number; fromBot: boolean; text: string; image?: string; cursor: string };

/**
 * Journey 2 in the web chat: contribute a dataset, build an assistant with the wizard, watch
 * it train (progress edits, loss plot), then chat with it and get answers that cite the data.
 */
describe('journey 2: create an assistant by chat, fine-tune, chat with citations', () => {
  let rt: TestRuntime;
  const base = writeTinyBase();
  const chatId = crypto.randomUUID();

  beforeAll(async () => {
    rt = await startTestRuntime({
      ENGINE_BASE_CHECKPOINT: base.file,
      ENGINE_FINETUNE_MIN_STEPS: '8',
      ENGINE_FINETUNE_MAX_STEPS: '8',
      ENGINE_SERVE_WORKERS: '1',
      ENGINE_TRAIN_WORKERS: '1',
    });
  });
  afterAll(async () => {
    await rt?.close();
    base.remove();
  });

  const messages = async (): Promise<Msg[]> => {
    const res = await fetch(`${rt.url}/chat/api/messages?chatId=${chatId}`);
    return ((await res.json()) as { messages: Msg[] }).messages;
  };
  const lastBot = async () => (await messages()).filter((m) => m.fromBot).at(-1)!;
  /** Sends a message and returns the bot's first new reply. */
  const say = async (text: string): Promise<Msg> => {
    const before = (await messages()).at(-1)?.id ?? 0;
    const res = await fetch(`${rt.url}/chat/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chatId, text }),
    });
    expect(res.status).toBe(202);
    return eventually(async () => (await messages()).find((m) => m.fromBot && m.id > before), 10_000, `reply to ${text}`);
  };

  let datasetId: number;
  let assistantId: number;

  it('contributes the knowledge dataset', async () => {
    const form = new FormData();
    const csv = [
      'question,answer',
      'How long do refunds take?,Refunds arrive within 5 business days.',
      'Can I cancel my order?,"Yes, orders can be cancelled until they ship."',
      'Do you ship abroad?,We ship to 40 countries in Europe and Asia.',
      'What is the warranty?,Every device has a two year warranty.',
    ].join('\n');
    form.append('file', new Blob([csv]), 'shop-faq.csv');
    await fetch(`${rt.url}/chat/api/upload?chatId=${chatId}`, { method: 'POST', body: form });
    const done = await eventually(async () => (await messages()).find((m) => m.text.startsWith('✅ Dataset')), 20_000, 'receipt');
    datasetId = Number(/Dataset #(\d+)/.exec(done.text)![1]);
  });

  it('walks the wizard, refusing bad answers with a clear message', async () => {
    expect((await say('/newassistant')).text).toContain('step 1/9');
    expect((await say('x')).text).toMatch(/⚠️ The name needs at least 2 characters/);
    expect((await say('Shop Helper')).text).toContain('step 2/9');
    expect((await say('/skip')).text).toContain('step 3/9');
    expect((await say('short')).text).toMatch(/⚠️ Describe the persona in at least 10 characters/);
    expect((await say('A friendly support agent for our web shop. Answers from the FAQ.')).text).toContain('step 4/9');
    expect((await say('Hi! Ask me about orders, refunds and shipping.')).text).toContain('step 5/9');
    // The web page's input is one line: starters can be separated by |.
    const datasetsStep = await say('How long do refunds take? | Can I cancel my order?');
    expect(datasetsStep.text).toContain('step 6/9');
    expect(datasetsStep.text).toContain(`#${datasetId} shop-faq.csv`);
    expect((await say('999999')).text).toMatch(/⚠️ #999999: no approved dataset with that id/);
    expect((await say(`#${datasetId}`)).text).toContain('step 7/9');
    expect((await say('everyone')).text).toMatch(/⚠️ Reply private, unlisted or public/);
    expect((await say('public')).text).toContain('step 8/9');
    expect((await say('-1')).text).toMatch(/⚠️ Reply with an amount in ETH/);
    const confirm = await say('0.01');
    expect(confirm.text).toContain('🤖 Shop Helper');
    expect(confirm.text).toContain('License: 0.01 ETH / 30 days');
    const training = await say('/create');
    expect(training.text).toMatch(/🧠 Training Shop Helper \(assistant #\d+\)/);
    assistantId = Number(/assistant #(\d+)/.exec(training.text)![1]);
  });

  it('trains with progress edited into the chat and sends the loss curve as a picture', async () => {
    const ready = await eventually(
      async () => (await messages()).find((m) => m.text.startsWith('✅ Shop Helper is ready')),
      90_000,
      'training to finish',
    );
    expect(ready.text).toMatch(/8 steps · loss \d+\.\d{3} → \d+\.\d{3}/);
    expect(ready.text).not.toContain('resumed');
    const plot = await eventually(async () => (await messages()).find((m) => m.image), 10_000, 'loss plot');
    expect(plot.text).toContain('Loss curve');
    const png = Buffer.from(await (await fetch(`${rt.url}${plot.image}`)).arrayBuffer());
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    // The image belongs to this chat only.
    expect((await fetch(`${rt.url}${plot.image!.replace(chatId, crypto.randomUUID())}`)).status).toBe(404);
  });

  it('registers the assistant on-chain, trained on its dataset, with a creator receipt', async () => {
    const note = await eventually(async () => (await messages()).find((m) => m.text.startsWith('🧾 Shop Helper is on-chain')), 30_000, 'registration');
    const assetId = BigInt(/asset #(\d+), trained on/.exec(note.text)![1]!);
    const receiptId = BigInt(/creator receipt #(\d+)/.exec(note.text)![1]!);
    const holder = /holder: (0x[0-9a-fA-F]{40})/.exec(note.text)![1];
    const { publicClient, addresses } = rt.chain;
    const parents = await publicClient.readContract({ address: addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'parentsOf', args: [assetId] });
    const view = await getDatasetView({ db: rt.database.db }, datasetId);
    expect(parents).toEqual([{ assetId: view!.chainAssetId, relation: 0 }]);
    const asset = await publicClient.readContract({ address: addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'assetOf', args: [assetId] });
    expect(asset.kind).toBe(2);
    expect(await publicClient.readContract({ address: addresses.receipts, abi: receiptsAbi, functionName: 'ownerOf', args: [receiptId] })).toBe(holder);
  });

  it('chats with the assistant and cites the dataset it learned from', async () => {
    const greeting = await say(`/use ${assistantId}`);
    expect(greeting.text).toContain('Hi! Ask me about orders, refunds and shipping.');
    expect(greeting.text).toContain('• Can I cancel my order?');
    const answer = await say('Can I cancel my order?');
    expect(answer.text).toMatch(/^🤖 Shop Helper:/);
    expect(answer.text).toContain('Yes, orders can be cancelled until they ship.');
    expect(answer.text).toMatch(/\[1\]/);
    expect(answer.text).toContain('shop-faq.csv');
    expect((await say('/stop')).text).toContain('Stopped');
    expect((await say(`/ask ${assistantId} Do you ship abroad?`)).text).toContain('We ship to 40 countries');
  });

  it('answers developers over REST: the card, chat with citations, and clear errors', async () => {
    const card = await fetch(`${rt.url}/v1/assistants/${assistantId}`);
    expect(await card.json()).toMatchObject({ id: assistantId, name: 'Shop Helper', status: 'ready', visibility: 'public', licensePriceWei: '10000000000000000' });
    const post = (id: number | string, body: unknown) =>
      fetch(`${rt.url}/v1/assistants/${id}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = await post(assistantId, { messages: [{ role: 'user', content: 'How long do refunds take?' }] });
    expect(res.status).toBe(200);
    const reply = (await res.json()) as { text: string; citations: Array<{ index: number; datasetName: string; location: string }> };
    expect(reply.text).toContain('Refunds arrive within 5 business days.');
    expect(reply.citations[0]).toMatchObject({ index: 1, datasetName: 'shop-faq.csv', location: 'row 1' });

    expect((await post(assistantId, { messages: [] })).status).toBe(400);
    expect((await post(assistantId, { messages: [{ role: 'assistant', content: 'hi' }] })).status).toBe(400);
    expect((await post(assistantId, { messages: [{ role: 'user', content: 'why '.repeat(100) }] })).status).toBe(400);
    expect((await post(424242, { messages: [{ role: 'user', content: 'hi' }] })).status).toBe(404);
    expect((await post('abc', { messages: [{ role: 'user', content: 'hi' }] })).status).toBe(400);
  });

  it('fails a fine-tune on data too small to learn from, once, with a clear message', async () => {
    const form = new FormData();
    form.append('file', new Blob(['hi\n']), 'tiny.txt');
    await fetch(`${rt.url}/chat/api/upload?chatId=${chatId}`, { method: 'POST', body: form });
    const done = await eventually(async () => (await messages()).find((m) => m.text.startsWith('✅ Dataset') && m.text.includes('tiny.txt')), 20_000, 'tiny dataset');
    const tinyId = Number(/Dataset #(\d+)/.exec(done.text)![1]);
    await say('/newassistant');
    for (const answer of ['Tiny', '/skip', 'Knows almost nothing at all.', '/skip', '/skip', String(tinyId), 'private', '0']) await say(answer);
    const training = await say('/create');
    const id = Number(/assistant #(\d+)/.exec(training.text)![1]);
    const failed = await eventually(async () => (await messages()).find((m) => m.text.startsWith('❌ Training Tiny failed')), 30_000, 'failure');
    expect(failed.text).toMatch(/The datasets are too small to train on: \d+ characters, at least \d+ are needed/);
    const job = await rt.queues.finetune.getJob(`finetune-${id}`);
    expect(job!.attemptsMade).toBe(1);
    expect((await say(`/use ${id}`)).text).toMatch(/^Tiny's training failed: The datasets are too small/);
  });

  it('refuses what cannot be used', async () => {
    expect((await say(`/ask ${assistantId} ${'why '.repeat(100)}`)).text).toMatch(
      /^⚠️ Shop Helper could not answer: The prompt is too long: \d+ tokens, the limit is \d+\.$/,
    );
    expect((await say('/use 424242')).text).toBe('There is no assistant #424242 you can use.');
    expect((await say('/ask')).text).toBe('Usage: /ask <assistant id> <question>');
    await say('/newassistant');
    expect((await say('/cancel')).text).toBe('Wizard cancelled; nothing was created.');
    expect((await lastBot()).text).toBe('Wizard cancelled; nothing was created.');
  });
});
