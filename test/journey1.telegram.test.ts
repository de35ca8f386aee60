import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { parseAbiItem, type Address, type Hex } from 'viem';
import { assetRegistryAbi, receiptsAbi } from '../contracts/bindings/index.ts';
import { readDataset } from '../platform/datasets/readDataset.ts';
import { datasets } from '../platform/db/schema.ts';
import { createFsBlobStore } from '../platform/storage/blobStore.ts';
import { loadMasterKey } from '../platform/crypto/masterKey.ts';
import { FakeTelegram, type FakeUser } from './fakes/fakeTelegram.ts';
import { startTestRuntime, storedCounts, type TestRuntime } from './helpers/testRuntime.ts';

const MAX_BYTES = 64 * 1024;

/** Journey 1 through the real grammY client: Telegram upload → validated, encrypted dataset → on-chain receipt. */
describe('journey 1: Telegram upload → on-chain receipt', () => {
  const telegram = new FakeTelegram();
  let rt: TestRuntime;
  let nextUser = 7000;
  const newUser = (): FakeUser => ({ id: nextUser++, first_name: `Ada${nextUser}` });

  beforeAll(async () => {
    await telegram.start();
    rt = await startTestRuntime({
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      UPLOAD_MAX_BYTES: String(MAX_BYTES),
    });
  });
  afterAll(async () => {
    await rt?.close();
    await telegram.stop();
  });

  const counts = () => storedCounts(rt);

  const finalText = (m: { text: string }) => /^(✅ Dataset|❌|ℹ️|⚠️)/.test(m.text);

  it('greets on /start and registers the commands menu', async () => {
    const user = newUser();
    telegram.sendText(user, '/start');
    const msg = await telegram.waitForMessage(user.id, (m) => m.text.includes('Welcome'));
    expect(msg.text).toContain(`Welcome, ${user.first_name}`);
    // The menu is the registry: the same commands as on Discord and the web page.
    expect(telegram.myCommands.at(-1)?.commands.map((c) => c.command)).toEqual(rt.core.commands.map((c) => c.name));
  });

  it('takes a CSV to a stored, encrypted dataset and a receipt that is on-chain and locked', async () => {
    const user = newUser();
    telegram.sendText(user, '/start');
    await telegram.waitForMessage(user.id, (m) => m.text.includes('Welcome'));
    const csv = Buffer.from('question,answer\n"What is a receipt?","A non-transferable share, on-chain"\nWho owns it?,The contributor\n');
    telegram.sendDocument(user, { fileName: 'legal-qa.csv', bytes: csv, mimeType: 'text/csv' });

    // Who may build on it: asked with two buttons; the answer edits the question.
    const question = await telegram.waitForMessage(user.id, (m) => m.text.startsWith('Who may build assistants on legal-qa.csv'));
    expect(question.markup?.flat().map((b) => b.text)).toEqual(['🌐 Open', '🔒 Private']);
    const press = telegram.pressButton(user, question, question.markup![0]![0]!.callback_data!);
    await telegram.waitForCallbackAnswer(press);
    await telegram.waitForMessage(user.id, (m) => m.message_id === question.message_id && m.text.includes('legal-qa.csv is open'));

    const done = await telegram.waitForMessage(user.id, (m) => m.text.startsWith('✅ Dataset'));
    // The acknowledgement came at once and was edited through the stages.
    expect(done.history[0]).toMatch(/^📥 legal-qa\.csv\n⏳ Queued/);
    expect(done.history.some((t) => t.includes('⏳ Registering on-chain'))).toBe(true);
    expect(done.history.length).toBeGreaterThanOrEqual(3);

    const datasetId = /Dataset (ds_[0-9a-z]{10})/.exec(done.text)![1]!;
    const sha = /sha256: (0x[0-9a-f]{64})/.exec(done.text)![1] as Hex;
    const receiptId = BigInt(/Receipt #(\d+)/.exec(done.text)![1]!);
    const holder = /holder: (0x[0-9a-fA-F]{40})/.exec(done.text)![1] as Address;
    const tx = /tx: (0x[0-9a-f]{64})/.exec(done.text)![1] as Hex;
    expect(done.text).toContain('2 rows');
    expect(sha).toBe(`0x${(await import('node:crypto')).createHash('sha256').update(csv).digest('hex')}`);

    // On-chain, read with viem: the asset is registered under the content hash and the receipt is the user's, locked.
    const { publicClient, addresses } = rt.chain;
    const assetId = await publicClient.readContract({ address: addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'assetIdByHash', args: [sha] });
    expect(assetId).toBeGreaterThan(0n);
    expect(await publicClient.readContract({ address: addresses.receipts, abi: receiptsAbi, functionName: 'ownerOf', args: [receiptId] })).toBe(holder);
    expect(await publicClient.readContract({ address: addresses.receipts, abi: receiptsAbi, functionName: 'locked', args: [receiptId] })).toBe(true);
    const [receiptAsset, shares] = await publicClient.readContract({ address: addresses.receipts, abi: receiptsAbi, functionName: 'receiptInfo', args: [receiptId] });
    expect(receiptAsset).toBe(assetId);
    expect(shares).toBe(1_000_000n);
    expect((await publicClient.getTransactionReceipt({ hash: tx })).status).toBe('success');

    // At rest the blob is ciphertext; decrypting with the wrapped key gives back the upload.
    const [row] = await rt.database.db.select().from(datasets).where(sql`${datasets.publicId} = ${datasetId}`);
    expect(row!.access).toBe('open');
    const blobs = createFsBlobStore(path.join(rt.home, 'blobs'));
    const stored = (await blobs.get(row!.storageKey))!;
    expect(stored.includes(Buffer.from('non-transferable'))).toBe(false);
    const masterKey = loadMasterKey({ home: rt.home });
    expect((await readDataset({ blobs, masterKey }, row!)).equals(csv)).toBe(true);

    telegram.sendText(user, '/datasets');
    const list = await telegram.waitForMessage(user.id, (m) => m.text.startsWith('📚'));
    expect(list.text).toContain(`${datasetId} legal-qa.csv`);
    expect(list.text).toContain(`receipt #${receiptId}`);
  });

  it('answers the same file sent twice with one asset and one receipt', async () => {
    const user = newUser();
    const bytes = Buffer.from('{"q":"capital of France?","a":"Paris"}\n{"q":"2+2","a":"4"}\n');
    telegram.sendDocument(user, { fileName: 'facts.jsonl', bytes });
    const first = await telegram.waitForMessage(user.id, (m) => m.text.startsWith('✅ Dataset'));
    const before = await counts();
    telegram.sendDocument(user, { fileName: 'facts-again.jsonl', bytes });
    const second = await telegram.waitForMessage(user.id, (m) => m.message_id !== first.message_id && finalText(m));
    const firstId = /Dataset (ds_[0-9a-z]{10})/.exec(first.text)![1]!;
    expect(second.text).toContain(`ℹ️ facts-again.jsonl has the same content as dataset ${firstId}`);
    expect(second.text).toContain('no second receipt');
    expect(await counts()).toEqual(before);

    const sha = /sha256: (0x[0-9a-f]{64})/.exec(first.text)![1] as Hex;
    const assetId = await rt.chain.publicClient.readContract({ address: rt.chain.addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'assetIdByHash', args: [sha] });
    const issued = await rt.chain.publicClient.getLogs({
      address: rt.chain.addresses.receipts,
      event: parseAbiItem('event ReceiptIssued(uint256 indexed receiptId, uint256 indexed assetId, address indexed holder, uint256 shares)'),
      args: { assetId },
      fromBlock: 0n,
    });
    expect(issued).toHaveLength(1);

    // Someone else sending the same content learns nothing about whose it is.
    const other = newUser();
    telegram.sendDocument(other, { fileName: 'copy.jsonl', bytes });
    const theirs = await telegram.waitForMessage(other.id, (m) => finalText(m));
    expect(theirs.text).toMatch(/^ℹ️ copy\.jsonl has the same content as a dataset already on Caravan/);
    expect(theirs.text).not.toContain(firstId);
  });

  const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  const badCases: Array<[string, { fileName: string; bytes: Buffer; declaredSize?: number }, RegExp]> = [
    ['an empty file', { fileName: 'empty.csv', bytes: Buffer.alloc(0) }, /The file is empty/],
    ['a file over the size limit', { fileName: 'big.txt', bytes: Buffer.alloc(MAX_BYTES + 1, 97) }, /too large: 64\.0 KB; the limit is 64\.0 KB/],
    ['a file that lies about its size', { fileName: 'liar.txt', bytes: Buffer.alloc(MAX_BYTES * 2, 97), declaredSize: 10 }, /too large: more than 64\.0 KB/],
    ['a binary file renamed .csv', { fileName: 'photo.csv', bytes: PNG }, /binary file, not CSV/],
    ['a CSV with ragged rows', { fileName: 'ragged.csv', bytes: Buffer.from('a,b,c\n1,2,3\n4,5\n') }, /Row on line 3 has 2 fields, but the header has 3/],
    ['invalid UTF-8', { fileName: 'latin1.txt', bytes: Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]) }, /not valid UTF-8 text \(first bad byte at offset 3\)/],
    ['an unsupported type', { fileName: 'report.pdf', bytes: Buffer.from('%PDF-1.7') }, /not a supported file type/],
  ];

  it.each(badCases)('refuses %s with a clear message and changes nothing', async (_name, doc, expected) => {
    const user = newUser();
    const before = await counts();
    telegram.sendDocument(user, doc);
    const reply = await telegram.waitForMessage(user.id, (m) => m.text.startsWith('❌'));
    expect(reply.text).toMatch(expected);
    expect(reply.text).toContain('Nothing was stored');
    // Let any straggling job run, then check nothing was half-written.
    await new Promise((r) => setTimeout(r, 300));
    expect(await counts()).toEqual(before);
  });
});
