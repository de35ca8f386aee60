import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { eq } from 'drizzle-orm';
import { assistants } from '../platform/db/schema.ts';
import { createAssistant } from '../platform/assistants/createAssistant.ts';
import { ensureUser } from '../platform/identity/ensureUser.ts';
import { loadMasterKey } from '../platform/crypto/masterKey.ts';
import { startTestRuntime, eventually, type TestRuntime } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';
import { createWebOutbox } from '../bots/web/webOutbox.ts';
import { trainingQueued } from '../bots/core/assistantCommands.ts';

/**
 * A fine-tune whose worker process is killed (SIGKILL) mid-run is taken over by another
 * worker once its lock expires, and resumes from the last checkpoint — not from step 0.
 */
describe('a killed fine-tune worker', () => {
  let rt: TestRuntime;
  const base = writeTinyBase();
  const children: ChildProcess[] = [];
  const TOTAL = 240;

  beforeAll(async () => {
    // This runtime serves the API and the upload pipeline; fine-tunes run in separate worker processes.
    rt = await startTestRuntime({ ENGINE: '0' }, { workers: ['ingest', 'review', 'mint', 'notify'] });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await rt?.close();
    base.remove();
  });

  function startWorker(): ChildProcess {
    const { redisUrl, rpcUrl } = inject('services');
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/caravan.ts', 'worker', 'finetune'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: {
        ...process.env,
        DATABASE_URL: rt.databaseUrl,
        REDIS_URL: redisUrl,
        RPC_URL: rpcUrl,
        OPERATOR_PRIVATE_KEY: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
        CARAVAN_HOME: rt.home,
        QUEUE_PREFIX: rt.config.QUEUE_PREFIX,
        ENGINE_BASE_CHECKPOINT: base.file,
        ENGINE_FINETUNE_MIN_STEPS: String(TOTAL),
        ENGINE_FINETUNE_MAX_STEPS: String(TOTAL),
        ENGINE_CHECKPOINT_EVERY: '10',
        ENGINE_TRAIN_WORKERS: '1',
        FINETUNE_LOCK_MS: '2000',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    return child;
  }

  it('resumes from its last checkpoint in another worker', async () => {
    const chatId = crypto.randomUUID();
    const form = new FormData();
    form.append('file', new Blob(['Camels store fat in their humps.\nA caravan is a group of travellers.\n'.repeat(20)]), 'camels.txt');
    await fetch(`${rt.url}/chat/api/upload?chatId=${chatId}`, { method: 'POST', body: form });
    const receipt = await eventually(async () => {
      const res = await fetch(`${rt.url}/chat/api/messages?chatId=${chatId}`);
      return ((await res.json()) as { messages: Array<{ text: string }> }).messages.find((m) => m.text.startsWith('✅ Dataset'));
    }, 20_000, 'dataset');
    const datasetId = Number(/Dataset #(\d+)/.exec(receipt.text)![1]);
    const user = await ensureUser({ db: rt.database.db, masterKey: loadMasterKey({ home: rt.home }) }, { platform: 'web', externalId: chatId });
    const assistant = await createAssistant({ db: rt.database.db }, user.id, {
      name: 'Camel Facts',
      instructions: 'Answers questions about camels from the data.',
      starters: [],
      datasetIds: [datasetId],
      visibility: 'private',
      priceWei: 0n,
    });
    // As the wizard does: a training message that the job edits with its progress.
    const messageId = await createWebOutbox({ db: rt.database.db }).send({ transport: 'web', chatId }, trainingQueued(assistant));
    const job = await rt.queues.finetune.add('finetune', { assistantId: assistant.id, replyTarget: { transport: 'web', chatId, messageId } }, { jobId: `finetune-${assistant.id}`, attempts: 3 });

    const first = startWorker();
    const stepAtKill = await eventually(async () => {
      const p = (await rt.queues.finetune.getJob(job.id!))?.progress as { step?: number } | undefined;
      return p?.step !== undefined && p.step >= 25 && p.step < TOTAL - 40 ? p.step : undefined;
    }, 120_000, 'the first worker to pass step 25');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    startWorker();
    // Wait for the job itself to complete (the assistant is marked ready a moment before).
    const done = await eventually(async () => {
      const j = await rt.queues.finetune.getJob(job.id!);
      return j?.returnvalue ? j : undefined;
    }, 120_000, 'the second worker to finish');
    const [finished] = await rt.database.db.select().from(assistants).where(eq(assistants.id, assistant.id));
    expect(finished!.status).toBe('ready');
    expect(done.returnvalue).toMatchObject({ resumed: true, steps: TOTAL });
    // One loss per step over the two workers: nothing trained twice from scratch.
    expect(finished!.losses).toHaveLength(TOTAL);
    const res = await fetch(`${rt.url}/chat/api/messages?chatId=${chatId}`);
    const texts = ((await res.json()) as { messages: Array<{ text: string }> }).messages.map((m) => m.text);
    const resumedFrom = Number(/↻ resumed from step (\d+)/.exec(texts.join('\n'))?.[1] ?? 'NaN');
    // Resumed from the last checkpoint at or before the kill (checkpoints every 10 steps).
    expect(resumedFrom).toBeGreaterThanOrEqual(20);
    expect(resumedFrom).toBeLessThanOrEqual(stepAtKill);
    expect(texts.some((t) => t.startsWith('✅ Camel Facts is ready'))).toBe(true);
  });
});
