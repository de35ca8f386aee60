import { afterEach, describe, expect, it } from 'vitest';
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  REST,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  Routes,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type ApplicationCommandDataResolvable,
  type Interaction,
} from 'discord.js';
import { FakeDiscord, type FakeDiscordRateLimits, type FakeDiscordUser } from './fakeDiscord.ts';

type Handler = (i: Interaction, client: Client) => Promise<void>;

const COMMANDS: ApplicationCommandDataResolvable[] = [
  { name: 'menu', description: 'A message with a button and a select' },
  { name: 'feedback', description: 'Opens a modal' },
  {
    name: 'order',
    description: 'Typed options',
    options: [
      { name: 'item', description: 'What', type: ApplicationCommandOptionType.String, required: true, autocomplete: true },
      { name: 'count', description: 'How many', type: ApplicationCommandOptionType.Integer, min_value: 1, max_value: 10 },
      { name: 'gift', description: 'Wrapped?', type: ApplicationCommandOptionType.Boolean },
      { name: 'budget', description: 'Up to', type: ApplicationCommandOptionType.Number },
    ],
  },
];

const user: FakeDiscordUser = { id: '81726354', username: 'ada', global_name: 'Ada' };
const other: FakeDiscordUser = { id: '81726355', username: 'bob', global_name: 'Bob' };

/** A real discord.js client on a fresh fake; `handler` answers every interaction, its errors are collected. */
async function startBot(handler: Handler) {
  const discord = new FakeDiscord();
  await discord.start();
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiRoot } });
  const errors: unknown[] = [];
  client.on(Events.InteractionCreate, (i) => void handler(i, client).catch((err: unknown) => errors.push(err)));
  const ready = new Promise<void>((r) => client.once(Events.ClientReady, () => r()));
  await client.login(discord.token);
  await ready;
  await client.application!.commands.set(COMMANDS);
  running.push({ discord, client });
  return { discord, client, errors };
}

const running: Array<{ discord: FakeDiscord; client: Client }> = [];
afterEach(async () => {
  for (const { discord, client } of running.splice(0)) {
    await client.destroy();
    await discord.stop();
  }
});

const until = async (check: () => boolean, timeoutMs = 5000) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

const menuRows = () => [
  new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId('go').setLabel('Go').setStyle(ButtonStyle.Primary),
    new ButtonBuilder().setLabel('Docs').setStyle(ButtonStyle.Link).setURL('https://example.org/docs'),
  ),
  new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(
    new StringSelectMenuBuilder()
      .setCustomId('size')
      .setPlaceholder('Size')
      .addOptions({ label: 'Small', value: 's' }, { label: 'Large', value: 'l' }),
  ),
];

describe('FakeDiscord with the real discord.js client', () => {
  it('stores components, and a click (update) and a select (deferUpdate + editReply) edit the component message', async () => {
    const seen: string[] = [];
    const { discord } = await startBot(async (i) => {
      if (i.isChatInputCommand() && i.commandName === 'menu') await i.reply({ content: 'Pick', components: menuRows() });
      else if (i.isButton()) {
        seen.push(`button:${i.customId}:${i.message.id}`);
        if (i.customId === 'go') await i.update({ content: 'Went' });
        else await i.reply({ content: `unknown button ${i.customId}`, flags: MessageFlags.Ephemeral });
      } else if (i.isStringSelectMenu()) {
        seen.push(`select:${i.values.join(',')}`);
        await i.deferUpdate();
        await i.editReply({ content: `Size ${i.values[0]}`, components: [] });
      }
    });
    const where = discord.guildChannel();
    const { channelId } = discord.slash(user, 'menu', { where });
    const menu = await discord.waitForMessage(channelId, (m) => m.content === 'Pick');
    expect(menu.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, custom_id: 'go', label: 'Go', style: 1 },
          { type: 2, label: 'Docs', style: 5, url: 'https://example.org/docs' },
        ],
      },
      { type: 1, components: [expect.objectContaining({ type: 3, custom_id: 'size', placeholder: 'Size' })] },
    ]);

    // A real user presses only what they see, where the message is.
    expect(() => discord.click(user, menu, 'nope')).toThrow(/has no component "nope".*go, size/);
    expect(() => discord.click(user, menu, 'size')).toThrow(/not a button/);
    expect(() => discord.select(user, menu, 'size', ['xl'])).toThrow(/no option "xl"/);
    expect(() => discord.select(user, menu, 'size', ['s', 'l'])).toThrow(/takes 1\.\.1 values/);
    expect(() => discord.click(user, menu, 'go', { where: discord.guildChannel() })).toThrow(/does not match/);

    const click = discord.click(user, menu, 'go');
    expect((await discord.waitForInteractionResponse(click.interactionId)).type).toBe(7);
    await discord.waitForMessage(channelId, (m) => m.id === menu.id && m.content === 'Went');
    // UPDATE_MESSAGE without components keeps them, as Discord does.
    expect(menu.components).toHaveLength(2);
    expect(menu.edits).toEqual(['update']);
    expect(seen).toEqual([`button:go:${menu.id}`]);

    discord.select(user, menu, 'size', ['l']);
    await discord.waitForMessage(channelId, (m) => m.id === menu.id && m.content === 'Size l');
    expect(menu.components).toEqual([]);
    expect(menu.edits).toEqual(['update', 'webhook']);
    expect(menu.history).toEqual(['Pick', 'Went', 'Size l']);
    expect(discord.messagesIn(channelId)).toHaveLength(1);

    // The buttons are gone: a user can no longer press them, but a forged id still reaches the bot.
    expect(() => discord.click(user, menu, 'go')).toThrow(/has no component "go"/);
    const forged = discord.clickRaw(user, { channelId, messageId: menu.id, customId: 'admin:delete-all' });
    const reply = await discord.waitForMessage(channelId, (m) => m.content === 'unknown button admin:delete-all');
    expect(reply.ephemeral).toBe(true);
    expect((await discord.waitForInteractionResponse(forged.interactionId)).type).toBe(4);
  });

  it('keeps interactions in DMs to their user, and ephemeral messages to theirs', async () => {
    const { discord } = await startBot(async (i) => {
      if (i.isChatInputCommand()) await i.reply({ content: 'Secret', components: menuRows(), flags: MessageFlags.Ephemeral });
      else if (i.isButton()) await i.update({ content: `Pressed by ${i.user.username}` });
    });
    const { channelId } = discord.slash(user, 'menu');
    const menu = await discord.waitForMessage(channelId, (m) => m.content === 'Secret');
    expect(menu.ephemeral).toBe(true);
    expect(() => discord.click(other, menu, 'go')).toThrow(/ephemeral/);
    expect(() => discord.clickRaw(other, { channelId, messageId: menu.id, customId: 'go' })).toThrow(/DM of user/);
    discord.click(user, menu, 'go');
    await discord.waitForMessage(channelId, (m) => m.content === 'Pressed by ada');
  });

  it('shows a modal (labels and action rows), refuses invalid input like Discord’s client, and reads the submit', async () => {
    const { discord } = await startBot(async (i) => {
      if (i.isChatInputCommand() && i.commandName === 'feedback') {
        await i.showModal(
          new ModalBuilder()
            .setCustomId('fb')
            .setTitle('Feedback')
            .addLabelComponents(
              new LabelBuilder()
                .setLabel('Your name')
                .setTextInputComponent(new TextInputBuilder().setCustomId('name').setStyle(TextInputStyle.Short).setMinLength(2).setMaxLength(20)),
            )
            .addActionRowComponents(
              new ActionRowBuilder<TextInputBuilder>().addComponents(
                new TextInputBuilder().setCustomId('note').setLabel('Note').setStyle(TextInputStyle.Paragraph).setRequired(false),
              ),
            ),
        );
      } else if (i.isModalSubmit()) {
        await i.reply({ content: `Thanks ${i.fields.getTextInputValue('name')} (${i.fields.getTextInputValue('note') || 'no note'})` });
      }
    });
    const { channelId } = discord.slash(user, 'feedback');
    const modal = await discord.waitForModal((m) => m.customId === 'fb');
    expect(modal).toMatchObject({ title: 'Feedback', userId: user.id, channelId, messageId: undefined });
    expect(modal.components.map((c) => c.type)).toEqual([18, 1]);

    expect(() => discord.submitModal(user, modal, { note: 'hi' })).toThrow(/"name" is required/);
    expect(() => discord.submitModal(user, modal, { name: 'A' })).toThrow(/takes 2\.\.20 characters/);
    expect(() => discord.submitModal(user, modal, { name: 'Ada', age: '3' })).toThrow(/no input\(s\) age/);
    expect(() => discord.submitModal(other, modal, { name: 'Bob' })).toThrow(/shown to user/);

    discord.submitModal(user, modal, { name: 'Ada' });
    const thanks = await discord.waitForMessage(channelId, (m) => m.content.startsWith('Thanks'));
    expect(thanks.content).toBe('Thanks Ada (no note)');
    expect(() => discord.submitModal(user, modal, { name: 'Ada' })).toThrow(/already submitted/);
  });

  it('opens a modal from a button; its submit updates the button’s message (callback 7)', async () => {
    const { discord } = await startBot(async (i) => {
      if (i.isChatInputCommand()) await i.reply({ content: 'Name: (unset)', components: menuRows() });
      else if (i.isButton())
        await i.showModal(
          new ModalBuilder()
            .setCustomId('rename')
            .setTitle('Rename')
            .addLabelComponents((l) => l.setLabel('Name').setTextInputComponent((t) => t.setCustomId('name').setStyle(TextInputStyle.Short))),
        );
      else if (i.isModalSubmit() && i.isFromMessage()) await i.update({ content: `Name: ${i.fields.getTextInputValue('name')}` });
    });
    const { channelId } = discord.slash(user, 'menu');
    const menu = await discord.waitForMessage(channelId, (m) => m.content.startsWith('Name:'));
    discord.click(user, menu, 'go');
    const modal = await discord.waitForModal((m) => m.customId === 'rename');
    expect(modal.messageId).toBe(menu.id);
    discord.submitModal(user, modal, { name: 'Caravan' });
    await discord.waitForMessage(channelId, (m) => m.id === menu.id && m.content === 'Name: Caravan');
    expect(discord.messagesIn(channelId)).toHaveLength(1);
  });

  it('fills typed slash options from the registered definition and refuses what Discord’s client would not send', async () => {
    const { discord } = await startBot(async (i) => {
      if (i.isChatInputCommand() && i.commandName === 'order') {
        const o = i.options;
        await i.reply(`${o.getString('item', true)} x${o.getInteger('count') ?? 1} gift=${String(o.getBoolean('gift'))} budget=${String(o.getNumber('budget'))}`);
      }
    });
    const { channelId } = discord.slash(user, 'order', { options: { item: 'apple', count: 3, gift: true, budget: 9.5 } });
    await discord.waitForMessage(channelId, (m) => m.content === 'apple x3 gift=true budget=9.5');
    const call = discord.calls.find((c) => c.path.endsWith('/callback'));
    expect(call).toBeDefined();

    expect(() => discord.slash(user, 'order', { options: { count: 2 } })).toThrow(/required option\(s\) item/);
    expect(() => discord.slash(user, 'order', { options: { item: 'a', colour: 'red' } })).toThrow(/no option "colour"/);
    expect(() => discord.slash(user, 'order', { options: { item: 'a', count: 2.5 } })).toThrow(/integer/);
    expect(() => discord.slash(user, 'order', { options: { item: 'a', count: 11 } })).toThrow(/within 1\.\.10/);
    expect(() => discord.slash(user, 'order', { options: { item: 3 } })).toThrow(/takes a string/);
  });

  it('answers autocomplete with respond(), and Discord refuses more than 25 choices', async () => {
    const fruits = ['apple', 'apricot', 'banana'];
    const { discord, errors } = await startBot(async (i) => {
      if (!i.isAutocomplete()) return;
      const focused = i.options.getFocused(true);
      if (focused.value === 'many') await i.respond(Array.from({ length: 30 }, (_, n) => ({ name: `fruit ${n}`, value: `f${n}` })));
      else await i.respond(fruits.filter((f) => f.startsWith(focused.value)).map((f) => ({ name: f, value: f })));
    });
    expect(await discord.autocomplete(user, 'order', { focused: 'item', options: { item: 'ap', count: 2 } })).toEqual([
      { name: 'apple', value: 'apple' },
      { name: 'apricot', value: 'apricot' },
    ]);
    await expect(discord.autocomplete(user, 'order', { focused: 'count' })).rejects.toThrow(/autocomplete: true/);

    await expect(discord.autocomplete(user, 'order', { focused: 'item', options: { item: 'many' }, timeoutMs: 1500 })).rejects.toThrow(
      /no accepted response.*choices\[BASE_TYPE_MAX_LENGTH\]: Must be 25 or fewer in length/s,
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DiscordAPIError);
    expect((errors[0] as DiscordAPIError).code).toBe(50035);
    expect((errors[0] as DiscordAPIError).message).toContain('data.choices[BASE_TYPE_MAX_LENGTH]: Must be 25 or fewer in length.');
  });

  it('refuses a second acknowledgement (40060) and a callback type the interaction does not take (50035)', async () => {
    const { discord, client, errors } = await startBot(async (i, bot) => {
      if (i.isChatInputCommand()) {
        // DEFERRED_UPDATE_MESSAGE is only for component and modal interactions.
        await bot.rest.post(Routes.interactionCallback(i.id, i.token), { body: { type: 6 }, auth: false });
      } else if (i.isButton()) {
        await i.update({ content: 'Once' });
        // discord.js itself guards against this; a raw call shows what Discord answers.
        await bot.rest.post(Routes.interactionCallback(i.id, i.token), { body: { type: 4, data: { content: 'Twice' } }, auth: false });
      }
    });
    const { channelId, interactionId } = discord.slash(user, 'menu');
    await until(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ code: 50035, status: 400 });
    expect(String((errors[0] as Error).message)).toContain('type[INTERACTION_RESPONSE_TYPE_INVALID]');
    expect(discord.refusals.some((r) => r.path.includes(interactionId))).toBe(true);

    // The command was never acknowledged; post a message with a button by channel instead.
    await client.rest.post(Routes.channelMessages(channelId), { body: { content: 'Menu', components: menuRows().map((r) => r.toJSON()) } });
    const menu = await discord.waitForMessage(channelId, (m) => m.content === 'Menu');
    discord.click(user, menu, 'go');
    await until(() => errors.length === 2);
    expect(errors[1]).toBeInstanceOf(DiscordAPIError);
    expect(errors[1]).toMatchObject({ code: 40060, status: 400 });
    expect(menu.content).toBe('Once');
  });

  it('validates components like Discord: rows, widths, duplicate ids, lengths, link buttons', async () => {
    const replies: unknown[] = [];
    const cases: Array<[string, unknown[], RegExp]> = [
      ['six rows', Array.from({ length: 6 }, (_, n) => ({ type: 1, components: [{ type: 2, style: 1, label: 'b', custom_id: `b${n}` }] })), /^components\[BASE_TYPE_MAX_LENGTH\]: Must be 5 or fewer/m],
      ['a select beside a button', [{ type: 1, components: [{ type: 2, style: 1, label: 'b', custom_id: 'b' }, { type: 3, custom_id: 's', options: [{ label: 'x', value: 'x' }] }] }], /components\[0\]\.components\[1\]\[COMPONENT_LAYOUT_WIDTH_EXCEEDED\]/],
      ['a duplicate custom id', [{ type: 1, components: [{ type: 2, style: 1, label: 'a', custom_id: 'x' }, { type: 2, style: 2, label: 'b', custom_id: 'x' }] }], /components\[0\]\.components\[1\]\.custom_id\[COMPONENT_CUSTOM_ID_DUPLICATED\]/],
      ['a 101-character custom id', [{ type: 1, components: [{ type: 2, style: 1, label: 'a', custom_id: 'x'.repeat(101) }] }], /custom_id\[BASE_TYPE_BAD_LENGTH\]: Must be between 1 and 100/],
      ['an 81-character label', [{ type: 1, components: [{ type: 2, style: 1, label: 'x'.repeat(81), custom_id: 'a' }] }], /label\[BASE_TYPE_MAX_LENGTH\]: Must be 80 or fewer/],
      ['a select with 26 options', [{ type: 1, components: [{ type: 3, custom_id: 's', options: Array.from({ length: 26 }, (_, n) => ({ label: `o${n}`, value: `o${n}` })) }] }], /options\[BASE_TYPE_BAD_LENGTH\]: Must be between 1 and 25/],
      ['max_values above the options', [{ type: 1, components: [{ type: 3, custom_id: 's', max_values: 3, options: [{ label: 'a', value: 'a' }] }] }], /max_values/],
      ['a link button with a custom id', [{ type: 1, components: [{ type: 2, style: 5, label: 'l', url: 'https://example.org', custom_id: 'l' }] }], /custom_id/],
    ];
    const { discord } = await startBot(async (i, bot) => {
      if (!i.isChatInputCommand()) return;
      for (const [, components] of cases)
        replies.push(await bot.rest.post(Routes.channelMessages(i.channelId), { body: { content: 'x', components } }).catch((err: unknown) => err));
      await i.reply('done');
    });
    const where = discord.guildChannel();
    discord.slash(user, 'menu', { where });
    await discord.waitForMessage(where.channelId, (m) => m.content === 'done');
    expect(replies).toHaveLength(cases.length);
    replies.forEach((err, n) => {
      expect(err, cases[n]![0]).toBeInstanceOf(DiscordAPIError);
      expect((err as DiscordAPIError).code, cases[n]![0]).toBe(50035);
      expect((err as DiscordAPIError).message, cases[n]![0]).toMatch(cases[n]![2]);
    });
    expect(discord.messagesIn(where.channelId).map((m) => m.content)).toEqual(['done']);
  });

  it('refuses a modal with a title over 45 characters or more than 5 inputs', async () => {
    const results: unknown[] = [];
    const input = (n: number) => ({ type: 18, label: `Field ${n}`, component: { type: 4, custom_id: `f${n}`, style: 1 } });
    const { discord } = await startBot(async (i) => {
      if (!i.isChatInputCommand()) return;
      const title = i.commandName === 'feedback' ? 'x'.repeat(46) : 'Six';
      const count = i.commandName === 'feedback' ? 1 : 6;
      const modal = { toJSON: () => ({ custom_id: 'm', title, components: Array.from({ length: count }, (_, n) => input(n)) }) };
      results.push(await i.showModal(modal as never).catch((err: unknown) => err));
    });
    discord.slash(user, 'feedback');
    discord.slash(user, 'menu');
    await until(() => results.length === 2);
    const messages = results.map((e) => (e as DiscordAPIError).message).sort();
    expect(messages[0]).toContain('data.components[BASE_TYPE_BAD_LENGTH]: Must be between 1 and 5 in length.');
    expect(messages[1]).toContain('data.title[BASE_TYPE_BAD_LENGTH]: Must be between 1 and 45 in length.');
    expect(discord.modals).toEqual([]);
  });

  describe('rate limits (opt-in)', () => {
    const fakes: FakeDiscord[] = [];
    afterEach(async () => {
      for (const f of fakes.splice(0)) await f.stop();
    });

    /** A fresh fake with `rateLimits`, and a discord.js REST client on it (no gateway needed). */
    async function startLimited(rateLimits: FakeDiscordRateLimits | undefined) {
      const discord = new FakeDiscord({ rateLimits });
      await discord.start();
      fakes.push(discord);
      const rest = new REST({ version: '10', api: discord.apiRoot }).setToken(discord.token);
      return { discord, rest };
    }
    const people = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ id: String(900_000 + from + i), username: `p${from + i}` }));

    it('answers 429 with retry_after and the X-RateLimit headers past a channel’s bucket; discord.js waits and sends each message once', async () => {
      const { discord, rest } = await startLimited({ channelMessages: { limit: 5, windowMs: 1000 } });
      const channel = discord.dmChannelOf(people(1)[0]!);
      const post = (content: string) =>
        fetch(`${discord.apiRoot}/v10/channels/${channel}/messages`, {
          method: 'POST',
          headers: { authorization: `Bot ${discord.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ content }),
        });
      const raw = [];
      for (let n = 0; n < 6; n++) raw.push(await post(`raw ${n}`));
      expect(raw.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
      expect(raw[0]!.headers.get('x-ratelimit-limit')).toBe('5');
      expect(raw[0]!.headers.get('x-ratelimit-remaining')).toBe('4');
      expect(Number(raw[0]!.headers.get('x-ratelimit-reset-after'))).toBeGreaterThan(0.9);
      const refused = raw[5]!;
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(refused.headers.get('x-ratelimit-scope')).toBe('user');
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.headers.get('x-ratelimit-bucket')).toBe(raw[0]!.headers.get('x-ratelimit-bucket'));
      const body = (await refused.json()) as { retry_after: number; global: boolean };
      expect(body.global).toBe(false);
      expect(body.retry_after).toBeGreaterThan(0);
      expect(body.retry_after).toBeLessThanOrEqual(1);
      expect(discord.rateLimited).toEqual({ global: 0, route: 1 });
      expect(discord.messagesIn(channel)).toHaveLength(5);

      // discord.js reads the bucket headers and waits for the reset itself: 12 more take three windows.
      await new Promise((r) => setTimeout(r, 1000));
      const t0 = Date.now();
      await Promise.all(Array.from({ length: 12 }, (_, n) => rest.post(Routes.channelMessages(channel), { body: { content: `note ${n}` } })));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
      const notes = discord.messagesIn(channel).filter((m) => m.content.startsWith('note')).map((m) => m.content);
      expect(notes).toEqual(Array.from({ length: 12 }, (_, n) => `note ${n}`));
    });

    it('refuses requests past the global limit with a global 429; discord.js waits it out and every DM arrives once', async () => {
      const { discord, rest } = await startLimited({ globalPerSecond: 10 });
      const channels = people(30).map((p) => discord.dmChannelOf(p));
      const t0 = Date.now();
      await Promise.all(channels.map((c, n) => rest.post(Routes.channelMessages(c), { body: { content: `dm ${n}` } })));
      // 30 requests at 10 a second: at least two seconds, with global 429s on the way.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
      expect(discord.rateLimited.global).toBeGreaterThan(0);
      expect(discord.rateLimited.route).toBe(0);
      channels.forEach((c, n) => expect(discord.messagesIn(c).map((m) => m.content)).toEqual([`dm ${n}`]));

      // The refusal itself, as a client without its own limiter sees it: 11 requests in a second.
      await new Promise((r) => setTimeout(r, 1000));
      const raw = [];
      for (let n = 0; n < 11; n++) raw.push(await fetch(`${discord.apiRoot}/v10/users/@me`, { headers: { authorization: `Bot ${discord.token}` } }));
      expect(raw.map((r) => r.status)).toEqual([...Array<number>(10).fill(200), 429]);
      const refused = raw[10]!;
      expect(refused.headers.get('x-ratelimit-global')).toBe('true');
      expect(refused.headers.get('x-ratelimit-scope')).toBe('global');
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({ message: 'You are being rate limited.', global: true });
    });

    it('creates a message once per nonce with enforce_nonce, and refuses a nonce over 25 characters', async () => {
      const { discord, rest } = await startLimited(undefined);
      const channel = discord.dmChannelOf(people(1, 50)[0]!);
      const send = (body: Record<string, unknown>) => rest.post(Routes.channelMessages(channel), { body: { content: 'You earned 1 USDC', ...body } }) as Promise<{ id: string }>;
      const first = await send({ nonce: 'earn-1', enforce_nonce: true });
      const again = await send({ nonce: 'earn-1', enforce_nonce: true });
      expect(again.id).toBe(first.id);
      expect(discord.nonceRepeats).toBe(1);
      expect(discord.messagesIn(channel)).toHaveLength(1);
      // Without enforce_nonce the nonce is only echoed: a second message is created.
      await send({ nonce: 'earn-1' });
      expect(discord.messagesIn(channel)).toHaveLength(2);
      const tooLong = await send({ nonce: 'x'.repeat(26), enforce_nonce: true }).catch((e: unknown) => e);
      expect(tooLong).toBeInstanceOf(DiscordAPIError);
      expect((tooLong as DiscordAPIError).message).toContain('nonce[BASE_TYPE_MAX_LENGTH]');
    });
  });
});
