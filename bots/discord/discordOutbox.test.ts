import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../../test/fakes/fakeDiscord.ts';
import { createDiscordOutbox, createDiscordRest, discordNonceOf, DISCORD_NONCE_WINDOW_MS } from './discordOutbox.ts';

describe('createDiscordOutbox', () => {
  const discord = new FakeDiscord();
  beforeAll(() => discord.start());
  afterAll(() => discord.stop());

  it('sends with an idempotency key as a nonce with enforce_nonce: a repeat within the window returns the first message', async () => {
    const outbox = createDiscordOutbox(createDiscordRest({ token: discord.token, apiRoot: discord.apiRoot }));
    expect(outbox.idempotentSendWindowMs).toBe(DISCORD_NONCE_WINDOW_MS);
    discord.dmChannelOf({ id: '4242', username: 'ada' });
    const target = await outbox.directChat('4242');
    const first = await outbox.send(target, { text: 'You earned 1 USDC' }, { idempotencyKey: 'earn:31337:0xabc:0:0x1' });
    const again = await outbox.send(target, { text: 'You earned 1 USDC' }, { idempotencyKey: 'earn:31337:0xabc:0:0x1' });
    expect(again).toBe(first);
    expect(discord.messagesIn(target.chatId)).toHaveLength(1);
    const post = discord.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/messages'));
    expect(post[0]!.body).toMatchObject({ nonce: discordNonceOf('earn:31337:0xabc:0:0x1'), enforce_nonce: true });
    expect(discordNonceOf('earn:31337:0xabc:0:0x1')).toHaveLength(25);
    // Another key, or none, is another message.
    await outbox.send(target, { text: 'You earned 1 USDC' }, { idempotencyKey: 'earn:31337:0xabc:1:0x1' });
    await outbox.send(target, { text: 'You earned 1 USDC' });
    expect(discord.messagesIn(target.chatId)).toHaveLength(3);
  });
  it('shows a card as an embed with the picture inside, and an edit with a picture replaces the attachment', async () => {
    const outbox = createDiscordOutbox(createDiscordRest({ token: discord.token, apiRoot: discord.apiRoot }));
    const { channelId } = discord.guildChannel();
    const png = (n: number) => ({ png: new Uint8Array([137, 80, 78, 71, n]), fileName: `chart-${n}.png` });
    const card = { title: 'Vote', description: 'Which one?', fields: [{ name: 'Status', value: 'Open', inline: true }], footer: 'caravan.eth' };
    const id = await outbox.send({ transport: 'discord', chatId: channelId }, { text: 'Vote\nWhich one?', card, image: png(1) });
    const [msg] = discord.messagesIn(channelId);
    expect(msg!.id).toBe(id);
    expect(msg!.content).toBe('');
    expect(msg!.embeds).toEqual([{ title: 'Vote', description: 'Which one?', fields: [{ name: 'Status', value: 'Open', inline: true }], footer: { text: 'caravan.eth' }, image: { url: 'attachment://chart-1.png' } }]);
    expect(msg!.files.map((f) => f.fileName)).toEqual(['chart-1.png']);
    await outbox.edit({ transport: 'discord', chatId: channelId, messageId: id }, { text: 'Vote', card: { ...card, description: 'Closed' }, image: png(2) });
    expect(msg!.files.map((f) => f.fileName)).toEqual(['chart-2.png']);
    expect(msg!.embeds[0]).toMatchObject({ description: 'Closed', image: { url: 'attachment://chart-2.png' } });
    // Without a picture the attachment stays.
    await outbox.edit({ transport: 'discord', chatId: channelId, messageId: id }, { text: 'Plain text now' });
    expect(msg!.content).toBe('Plain text now');
    expect(msg!.embeds).toEqual([]);
    expect(msg!.files.map((f) => f.fileName)).toEqual(['chart-2.png']);
  });
});
