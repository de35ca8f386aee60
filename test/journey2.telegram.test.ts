import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram, type FakeUser } from './fakes/fakeTelegram.ts';
import { startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';

/** Journey 2 on Telegram, through the real grammY client: the wizard, training edits, the loss plot as a photo, cited answers. */
describe('journey 2 on Telegram', () => {
  const telegram = new FakeTelegram();
  const base = writeTinyBase();
  const user: FakeUser = { id: 9100, first_name: 'Grace' };
  let rt: TestRuntime;

  beforeAll(async () => {
    await telegram.start();
    rt = await startTestRuntime({
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      ENGINE_BASE_CHECKPOINT: base.file,
      ENGINE_FINETUNE_MIN_STEPS: '6',
      ENGINE_FINETUNE_MAX_STEPS: '6',
      ENGINE_SERVE_WORKERS: '1',
      ENGINE_TRAIN_WORKERS: '1',
    });
  });
  afterAll(async () => {
    await rt?.close();
    await telegram.stop();
    base.remove();
  });

  /** Sends text and waits for the bot's next new message. */
  const say = async (text: string) => {
    const seen = telegram.messagesTo(user.id).length;
    telegram.sendText(user, text);
    return telegram.waitForMessage(user.id, (m) => telegram.messagesTo(user.id).indexOf(m) >= seen);
  };

  it('builds, trains and serves an assistant from Telegram', async () => {
    telegram.sendDocument(user, {
      fileName: 'trail.jsonl',
      bytes: Buffer.from(
        [
          { question: 'How far is the oasis?', answer: 'The oasis is two days east of the salt flats.' },
          { question: 'When do caravans leave?', answer: 'Caravans leave at dawn to avoid the midday heat.' },
        ]
          .map((r) => JSON.stringify(r))
          .join('\n'),
      ),
    });
    const receipt = await telegram.waitForMessage(user.id, (m) => m.text.startsWith('✅ Dataset'));
    const datasetId = /Dataset #(\d+)/.exec(receipt.text)![1];

    expect((await say('/newassistant')).text).toContain('step 1/9');
    const answers = ['Trail Guide', '/skip', 'A desert guide who answers from the trail notes.', '/skip', '/skip', datasetId!, 'public', '0'];
    for (const [i, answer] of answers.entries()) expect((await say(answer)).text).toContain(`step ${i + 2}/9`);
    const training = await say('/create');
    expect(training.text).toMatch(/^🧠 Training Trail Guide/);

    const ready = await telegram.waitForMessage(user.id, (m) => m.text.startsWith('✅ Trail Guide is ready'), 90_000);
    expect(ready.message_id).toBe(training.message_id);
    expect(ready.history.some((t) => /step \d+\/6 · loss/.test(t))).toBe(true);
    const photo = await telegram.waitForMessage(user.id, (m) => Boolean(m.photo));
    expect(photo.text).toContain('Loss curve');
    expect(photo.photo!.bytes.subarray(0, 4).toString('hex')).toBe('89504e47');

    // The on-chain registration arrives on its own; wait for it so it is not taken for an answer.
    await telegram.waitForMessage(user.id, (m) => m.text.startsWith('🧾 Trail Guide is on-chain'), 30_000);
    const assistantId = /assistant #(\d+)/.exec(ready.text)![1];
    await say(`/use ${assistantId}`);
    const answer = await say('When do caravans leave?');
    expect(answer.text).toContain('Caravans leave at dawn');
    expect(answer.text).toContain('trail.jsonl');
  });
});
