import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { eq } from 'drizzle-orm';
import { assistants } from '../platform/db/schema.ts';
import { createAssistant, type Assistant } from '../platform/assistants/createAssistant.ts';
import { ensureUser } from '../platform/identity/ensureUser.ts';
import { loadMasterKey } from '../platform/crypto/masterKey.ts';
import { trainingQueued } from '../platform/messages/assistants.ts';
import { createWebOutbox } from '../bots/web/webOutbox.ts';
import { startTestRuntime, eventually, type TestRuntime } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';
import { webChat, type WebChat } from './helpers/webChat.ts';

/**
 * A fine-tune survives its worker: killed outright (SIGKILL), its job is taken over by another
 * worker once the lock expires and resumes from the last checkpoint; stopped with Ctrl-C
 * (SIGINT), the worker saves a checkpoint where it is, exits 0, and the job is waiting again at
 * once, so the next worker resumes it immediately from exactly there — not from step 0.
 */
describe('an interrupted fine-tune', () => {
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

  function startWorker(lockMs: number): ChildProcess {
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
        FINETUNE_LOCK_MS: String(lockMs),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    return child;
  }

  /** A dataset through the web chat, an assistant on it, and its fine-tune job with a training message. */
  async function queueTraining(name: string): Promise<{ chat: WebChat; assistant: Assistant; jobId: string }> {
    const chat = webChat(rt.url!);
    await chat.upload(`${name}.txt`, `${name}: camels store fat in their humps.\nA caravan is a group of travellers.\n`.repeat(20));
    const receipt = await chat.waitFor((m) => m.text.startsWith('✅ Dataset'), { timeoutMs: 20_000, what: 'dataset' });
    const datasetId = /Dataset (ds_[0-9a-z]{10})/.exec(receipt.text)![1]!;
    const user = await ensureUser({ db: rt.database.db, masterKey: loadMasterKey({ home: rt.home }) }, { platform: 'web', externalId: chat.chatId });
    const assistant = await createAssistant({ db: rt.database.db }, user.id, {
      name,
      instructions: 'Answers questions about camels from the data.',
      starters: [],
      datasets: [datasetId],
      visibility: 'private',
      licenses: [],
    });
    // As the wizard does: a training message that the job edits with its progress.
    const messageId = await createWebOutbox({ db: rt.database.db }).send({ transport: 'web', chatId: chat.chatId }, { text: trainingQueued(assistant) });
    const job = await rt.queues.finetune.add(
      'finetune',
      { assistantId: assistant.id, replyTarget: { transport: 'web', chatId: chat.chatId, messageId } },
      { jobId: `finetune-${assistant.id}`, attempts: 3 },
    );
    return { chat, assistant, jobId: job.id! };
  }

  const stepOf = async (jobId: string) => ((await rt.queues.finetune.getJob(jobId))?.progress as { step?: number } | undefined)?.step;

  /** Waits for the job to complete, then checks one loss per step and returns where it resumed from. */
  async function finished(chat: WebChat, assistant: Assistant, jobId: string) {
    const done = await eventually(async () => {
      const j = await rt.queues.finetune.getJob(jobId);
      return j?.returnvalue ? j : undefined;
    }, 120_000, 'the second worker to finish');
    const [row] = await rt.database.db.select().from(assistants).where(eq(assistants.id, assistant.id));
    expect(row!.status).toBe('ready');
    expect(done.returnvalue).toMatchObject({ resumed: true, steps: TOTAL });
    // One loss per step over the two workers: nothing trained twice from scratch.
    expect(row!.losses).toHaveLength(TOTAL);
    const texts = (await chat.messages()).map((m) => m.text);
    expect(texts.some((t) => t.startsWith(`✅ ${assistant.name} is ready`))).toBe(true);
    return Number(/↻ resumed from step (\d+)/.exec(texts.join('\n'))?.[1] ?? 'NaN');
  }

  it('killed outright: resumes from its last checkpoint in another worker after the lock', async () => {
    const { chat, assistant, jobId } = await queueTraining('Camel Facts');
    const first = startWorker(2000);
    const stepAtKill = await eventually(async () => {
      const s = await stepOf(jobId);
      return s !== undefined && s >= 25 && s < TOTAL - 40 ? s : undefined;
    }, 120_000, 'the first worker to pass step 25');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    const second = startWorker(2000);
    const resumedFrom = await finished(chat, assistant, jobId);
    // Resumed from the last checkpoint at or before the kill (checkpoints every 10 steps).
    expect(resumedFrom).toBeGreaterThanOrEqual(20);
    expect(resumedFrom).toBeLessThanOrEqual(stepAtKill);
    const exit = new Promise((r) => second.once('exit', r));
    second.kill('SIGINT');
    await exit;
  });

  it('stopped with Ctrl-C: exits 0, saves where it is, and the next worker resumes at once', async () => {
    const { chat, assistant, jobId } = await queueTraining('Oasis Notes');
    // A long lock: only a job handed back cleanly can be picked up again within the test.
    const first = startWorker(600_000);
    let output = '';
    first.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await eventually(async () => {
      const s = await stepOf(jobId);
      return s !== undefined && s >= 13 && s < TOTAL - 60;
    }, 120_000, 'the first worker to pass step 13');
    const exit = new Promise<number | null>((r) => first.once('exit', (code) => r(code)));
    first.kill('SIGINT');
    expect(await exit).toBe(0);
    const stoppedAt = (await stepOf(jobId))!;
    const job = await rt.queues.finetune.getJob(jobId);
    expect(await job!.getState()).toBe('waiting');
    const paused = (await chat.messages()).find((m) => m.text.startsWith(`⏸ Training ${assistant.name}`));
    expect(paused?.text).toMatch(/paused at step \d+: the platform is restarting/);
    expect(output).not.toMatch(/"level":(50|60)/);

    const t0 = Date.now();
    startWorker(600_000);
    await eventually(async () => (await stepOf(jobId))! > stoppedAt, 60_000, 'the second worker to take over');
    expect(Date.now() - t0).toBeLessThan(60_000);
    const resumedFrom = await finished(chat, assistant, jobId);
    // Saved on the way out: resumed from the step it stopped at, not from the last multiple of 10.
    expect(resumedFrom).toBeGreaterThan(stoppedAt - 2);
    expect(resumedFrom).toBeLessThanOrEqual(stoppedAt + 1);
  });
});
