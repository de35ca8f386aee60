import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { assistants } from '../platform/db/schema.ts';
import { startTestRuntime, storedCounts, type TestRuntime } from './helpers/testRuntime.ts';
import { webChat, type WebChat } from './helpers/webChat.ts';

/**
 * Fair use: each person's uploads per day, fine-tunes per day and messages to assistants per
 * minute are limited (in Redis, shared by every process); past a limit the answer says when to
 * try again, and nothing is done or stored.
 */
describe('fair-use limits', () => {
  let rt: TestRuntime;

  beforeAll(async () => {
    rt = await startTestRuntime(
      { UPLOADS_PER_DAY: '2', FINETUNES_PER_DAY: '1', CHAT_MESSAGES_PER_MINUTE: '2', ENGINE: '0' },
      // No fine-tune worker: the queued training only has to be queued.
      { workers: ['ingest', 'review', 'mint', 'notify'] },
    );
  });
  afterAll(async () => {
    await rt?.close();
  });

  const accepted = async (chat: WebChat, name: string, content: string) => {
    expect((await chat.upload(name, content)).status).toBe(202);
    const done = await chat.waitFor((m) => m.text.startsWith('✅ Dataset') && m.text.includes(name), { timeoutMs: 20_000 });
    return /Dataset (ds_[0-9a-z]{10})/.exec(done.text)![1]!;
  };

  it('refuses a third upload the same day with 429 and when to try again, storing nothing; others are not affected', async () => {
    const chat = webChat(rt.url!);
    await accepted(chat, 'one.txt', 'first file\n');
    await accepted(chat, 'two.txt', 'second file\n');
    const before = await storedCounts(rt);
    const res = await chat.upload('three.txt', 'third file\n');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
    expect(await res.json()).toMatchObject({ error: 'limit_exceeded', message: expect.stringMatching(/^You can upload 2 files a day\. Try again in (23 h \d+ min|24 h)\.$/) });
    const said = await chat.waitFor((m) => m.text.startsWith('⚠️ You can upload 2 files a day'));
    expect(said.text).toMatch(/Try again in/);
    expect(await storedCounts(rt)).toEqual(before);
    // The limit is per person.
    await accepted(webChat(rt.url!), 'other.txt', 'someone else\n');
  });

  it('refuses a second fine-tune the same day at the confirm step, creating nothing', async () => {
    const chat = webChat(rt.url!);
    const data = await accepted(chat, 'facts.txt', 'camels carry water\ncaravans leave at dawn\n');
    const build = async (name: string) => {
      const card = await chat.say('/newassistant');
      const pick = await chat.submit(card, { name, instructions: 'Answers from the facts file.' });
      const chosen = await chat.choose(pick, 'Pick datasets', [data]);
      const vis = await chat.press(chosen, 'Continue');
      const price = await chat.press(vis, 'Private');
      const confirm = await chat.press(price, 'Free');
      return chat.press(confirm, 'Create and train');
    };
    expect((await build('First')).text).toContain('confirmed');
    await chat.waitFor((m) => m.text.startsWith('🧠 Training First'));
    const refused = await build('Second');
    expect(refused.text).toMatch(/^⚠️ You can start training 1 assistant a day\. Try again in/);
    expect((await rt.database.db.select().from(assistants).where(eq(assistants.name, 'Second')))).toHaveLength(0);
  });

  it('refuses a third message to assistants within a minute', async () => {
    const chat = webChat(rt.url!);
    // The assistant of the previous test, made usable (no engine runs here: the limit is checked before it is asked).
    const [a] = await rt.database.db.select().from(assistants).limit(1);
    await rt.database.db.update(assistants).set({ status: 'ready', visibility: 'public' }).where(eq(assistants.id, a!.id));
    for (let i = 0; i < 2; i++) expect((await chat.say(`/ask ${a!.publicId} hello`)).text).toBe('⚠️ Assistants are not served by this process (ENGINE=0).');
    expect((await chat.say(`/ask ${a!.publicId} hello`)).text).toMatch(/^⚠️ You can send 2 messages a minute to assistants\. Try again in (\d+ s|1 min)\.$/);
  });
});
