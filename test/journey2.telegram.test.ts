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
    const datasetId = /Dataset (ds_[0-9a-z]{10})/.exec(receipt.text)![1]!;

    // The card form arrives as short guided steps: one field per message, /skip for optional ones.
    expect((await say('/newassistant')).text).toContain('step 1/5');
    const prompt = (await telegram.waitForMessage(user.id, (m) => m.text.startsWith('📝 New assistant — 1/5'))).text;
    expect(prompt).toContain('Name');
    expect((await say('x')).text).toMatch(/⚠️ Name needs at least 2 characters/);
    expect((await say('Trail Guide')).text).toContain('2/5');
    expect((await say('/skip')).text).toContain('3/5');
    expect((await say('A desert guide who answers from the trail notes.')).text).toContain('4/5');
    expect((await say('/skip')).text).toContain('5/5');
    const pick = await say('/skip');
    expect(pick.text).toContain('step 2/5');
    // A multi-choice select is a keyboard of toggles (☐/☑), kept in step with each press.
    const toggle = pick.markup!.flat().find((b) => b.text.includes(datasetId))!;
    expect(toggle.text).toMatch(/^☐ /);
    await telegram.waitForCallbackAnswer(telegram.pressButton(user, pick, toggle.callback_data!));
    const toggled = await telegram.waitForMessage(user.id, (m) => m.message_id === pick.message_id && m.text.includes(`Chosen: ${datasetId}`));
    expect(toggled.markup!.flat().find((b) => b.text.includes(datasetId))!.text.startsWith('☑')).toBe(true);
    const press = async (label: string) => {
      const current = telegram.messagesTo(user.id).find((m) => m.message_id === pick.message_id)!;
      const button = current.markup!.flat().find((b) => b.text.includes(label))!;
      const before = current.history.length;
      await telegram.waitForCallbackAnswer(telegram.pressButton(user, current, button.callback_data!));
      return telegram.waitForMessage(user.id, (m) => m.message_id === pick.message_id && m.history.length > before);
    };
    expect((await press('Continue')).text).toContain('step 3/5');
    expect((await press('Public')).text).toContain('step 4/5');
    expect((await press('Free')).text).toContain('step 5/5');
    const seen = telegram.messagesTo(user.id).length;
    await press('Create and train');
    const training = await telegram.waitForMessage(user.id, (m) => telegram.messagesTo(user.id).indexOf(m) >= seen && m.text.startsWith('🧠 Training Trail Guide'));
    expect(training.text).toMatch(/^🧠 Training Trail Guide/);

    const ready = await telegram.waitForMessage(user.id, (m) => m.text.startsWith('✅ Trail Guide is ready'), 90_000);
    expect(ready.message_id).toBe(training.message_id);
    expect(ready.history.some((t) => /step \d+\/6 · loss/.test(t))).toBe(true);
    const photo = await telegram.waitForMessage(user.id, (m) => Boolean(m.photo));
    expect(photo.text).toContain('Loss curve');
    expect(photo.photo!.bytes.subarray(0, 4).toString('hex')).toBe('89504e47');

    // The on-chain registration arrives on its own; wait for it so it is not taken for an answer.
    await telegram.waitForMessage(user.id, (m) => m.text.startsWith('🧾 Trail Guide is on-chain'), 30_000);
    const assistantId = /\((as_[0-9a-z]{10})\)/.exec(ready.text)![1];
    await say(`/use ${assistantId}`);
    const answer = await say('When do caravans leave?');
    expect(answer.text).toContain('Caravans leave at dawn');
    expect(answer.text).toContain('trail.jsonl');
  });
});
