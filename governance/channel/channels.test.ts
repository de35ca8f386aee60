import { describe, expect, it } from 'vitest';
import { parseGovernanceChannels } from './channels.ts';

describe('parseGovernanceChannels', () => {
  it('reads Discord, Telegram and web chats, in order', () => {
    expect(parseGovernanceChannels(' discord:123456789012345678, telegram:-1001234567890,telegram:@caravan_votes,web:8c6e9a4e-2b1f-4c59-9a57-2b8f2b2b2b2b ')).toEqual([
      { id: 'discord:123456789012345678', target: { transport: 'discord', chatId: '123456789012345678' } },
      { id: 'telegram:-1001234567890', target: { transport: 'telegram', chatId: '-1001234567890' } },
      { id: 'telegram:@caravan_votes', target: { transport: 'telegram', chatId: '@caravan_votes' } },
      { id: 'web:8c6e9a4e-2b1f-4c59-9a57-2b8f2b2b2b2b', target: { transport: 'web', chatId: '8c6e9a4e-2b1f-4c59-9a57-2b8f2b2b2b2b' } },
    ]);
    expect(parseGovernanceChannels('')).toEqual([]);
  });

  it('names the bad entry', () => {
    expect(() => parseGovernanceChannels('discord:12345')).toThrow('“discord:12345”: discord needs a channel id (17 to 20 digits)');
    expect(() => parseGovernanceChannels('slack:C024BE91L')).toThrow('“slack:C024BE91L” is not <discord|telegram|web>:<chat id>');
    expect(() => parseGovernanceChannels('123456789012345678')).toThrow('is not <discord|telegram|web>:<chat id>');
    expect(() => parseGovernanceChannels('web:not-a-uuid')).toThrow('web needs a web chat id (a UUID)');
    expect(() => parseGovernanceChannels('telegram:1,telegram:1')).toThrow('“telegram:1” is named twice');
  });
});
