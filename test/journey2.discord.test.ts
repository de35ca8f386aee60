import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord, type FakeDiscordMessage, type FakeDiscordUser } from './fakes/fakeDiscord.ts';
import { eventually, startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';

const buttonOf = (m: FakeDiscordMessage, label: string): string => {
  for (const row of m.components as Array<{ components: Array<{ label?: string; custom_id?: string; type: number }> }>)
    for (const c of row.components) if (c.type === 2 && c.label?.includes(label) && c.custom_id) return c.custom_id;
  throw new Error(`No button “${label}” on: ${m.content}`);
};
const selectOf = (m: FakeDiscordMessage): { custom_id: string; options: Array<{ value: string; label: string }> } => {
  for (const row of m.components as Array<{ components: Array<{ type: number; custom_id: string; options: Array<{ value: string; label: string }> }> }>)
    for (const c of row.components) if (c.type === 3) return c;
  throw new Error(`No select on: ${m.content}`);
};

/**
 * Journey 2 on Discord, in a server channel, without the Message Content intent: the wizard is
 * a modal and components; the dataset and assistant ids are offered by autocomplete; training
 * progress is edited into the channel; `/ask` answers with citations.
 */
describe('journey 2 on Discord, in a server channel', () => {
  const discord = new FakeDiscord();
  const base = writeTinyBase();
  const user: FakeDiscordUser = { id: '80351110224678912', username: 'grace', global_name: 'Grace' };
  let rt: TestRuntime;
  let where: { guildId: string; channelId: string };

  beforeAll(async () => {
    await discord.start();
    rt = await startTestRuntime({
      DISCORD_TOKEN: discord.token,
      DISCORD_API_ROOT: discord.apiRoot,
      ENGINE_BASE_CHECKPOINT: base.file,
      ENGINE_FINETUNE_MIN_STEPS: '6',
      ENGINE_FINETUNE_MAX_STEPS: '6',
      ENGINE_SERVE_WORKERS: '1',
      ENGINE_TRAIN_WORKERS: '1',
    });
    await eventually(async () => discord.commands.length > 0, 10_000, 'slash commands registered');
    where = discord.guildChannel();
  });
  afterAll(async () => {
    await rt?.close();
    await discord.stop();
    base.remove();
  });

  let datasetId: string;
  let assistantId: string;

  it('takes a dataset from /upload in the channel, open from the start', async () => {
    const bytes = Buffer.from('question,answer\nWhen do caravans leave?,Caravans leave at dawn to avoid the midday heat.\nHow far is the oasis?,Two days east of the salt flats.\n');
    discord.slash(user, 'upload', { where, file: { fileName: 'trail.csv', bytes }, options: { access: 'open' } });
    const done = await discord.waitForMessage(where.channelId, (m) => m.content.startsWith('✅ Dataset'));
    datasetId = /Dataset (ds_[0-9a-z]{10})/.exec(done.content)![1]!;
    // Chosen with the upload: no question asked afterwards.
    expect(discord.messagesIn(where.channelId).some((m) => m.content.startsWith('Who may build assistants'))).toBe(false);
    const card = await fetch(`${rt.url}/v1/datasets/${datasetId}`);
    expect(await card.json()).toMatchObject({ id: datasetId, access: 'open' });
    // Dataset ids are suggested while typing.
    expect(await discord.autocomplete(user, 'dataset', { focused: 'dataset', options: { dataset: 'trail' }, where })).toEqual([
      { name: `trail.csv (${datasetId}) — yours`, value: datasetId },
    ]);
  });

  it('runs the wizard as a modal and components, in the channel, shown to its author alone', async () => {
    const { interactionId } = discord.slash(user, 'newassistant', { where });
    // The first answer to the command is the modal itself.
    const modal = await discord.waitForModal((m) => m.interactionId === interactionId);
    expect(modal.title).toBe('New assistant');
    discord.submitModal(user, modal, { name: 'Trail Guide', tagline: '', instructions: 'A desert guide who answers from the trail notes.', greeting: 'Ask me about the trail.', starters: '' }, { where });
    const step = await discord.waitForMessage(where.channelId, (m) => m.content.includes('step 2/5'));
    expect(step.ephemeral).toBe(true);
    const select = selectOf(step);
    expect(select.options.map((o) => o.value)).toContain(datasetId);
    discord.select(user, step, select.custom_id, [datasetId], { where });
    const chosen = await discord.waitForMessage(where.channelId, (m) => m.id === step.id && m.content.includes(`Chosen: ${datasetId}`));
    discord.click(user, chosen, buttonOf(chosen, 'Continue'), { where });
    const visibility = await discord.waitForMessage(where.channelId, (m) => m.id === step.id && m.content.includes('step 3/5'));
    discord.click(user, visibility, buttonOf(visibility, 'Public'), { where });
    const price = await discord.waitForMessage(where.channelId, (m) => m.id === step.id && m.content.includes('step 4/5'));
    // "Set prices…" opens a second modal straight from the button.
    const { interactionId: priceClick } = discord.click(user, price, buttonOf(price, 'Set prices'), { where });
    const priceModal = await discord.waitForModal((m) => m.interactionId === priceClick);
    discord.submitModal(user, priceModal, { period: '2', perpetual: '20' }, { where });
    const confirm = await discord.waitForMessage(where.channelId, (m) => m.content.includes('step 5/5'));
    expect(confirm.content).toContain('30-day license: 2 USDC');
    expect(confirm.content).toContain('perpetual license: 20 USDC');
    discord.click(user, confirm, buttonOf(confirm, 'Create and train'), { where });
    const training = await discord.waitForMessage(where.channelId, (m) => m.content.startsWith('🧠 Training Trail Guide'));
    // Workers edit the training message by channel: it is a normal message in the channel.
    expect(training.ephemeral).toBe(false);
    assistantId = /\((as_[0-9a-z]{10})\)/.exec(training.content)![1]!;
    const ready = await discord.waitForMessage(where.channelId, (m) => m.id === training.id && m.content.startsWith('✅ Trail Guide is ready'), 90_000);
    expect(ready.history.some((t) => /step \d+\/6 · loss/.test(t))).toBe(true);
    expect(ready.edits.every((e) => e === 'channel')).toBe(true);
    const plot = await discord.waitForMessage(where.channelId, (m) => m.files.length > 0);
    expect(plot.files[0]!.bytes.subarray(0, 4).toString('hex')).toBe('89504e47');
  });

  it('suggests assistants while typing, and answers /ask with a cited answer', async () => {
    const suggestions = await discord.autocomplete(user, 'ask', { focused: 'assistant', options: { assistant: 'trail' }, where });
    expect(suggestions).toContainEqual({ name: `Trail Guide (${assistantId})`, value: assistantId });
    const other: FakeDiscordUser = { id: '80351110224678913', username: 'hugo', global_name: null };
    // Public assistants are suggested to others too; nothing is suggested for gibberish.
    expect(await discord.autocomplete(other, 'ask', { focused: 'assistant', options: { assistant: 'Trail' }, where })).toHaveLength(1);
    expect(await discord.autocomplete(other, 'ask', { focused: 'assistant', options: { assistant: 'zzzz' }, where })).toEqual([]);

    discord.slash(user, 'ask', { where, options: { assistant: assistantId, question: 'When do caravans leave?' } });
    const answer = await discord.waitForMessage(where.channelId, (m) => m.content.startsWith('🤖 Trail Guide:'), 30_000);
    expect(answer.content).toContain('Caravans leave at dawn');
    expect(answer.content).toContain('trail.csv');
  });
});
