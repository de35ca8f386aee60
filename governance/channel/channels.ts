import type { ChatTarget } from '../../platform/notifications/types.ts';
import { ConfigError } from '../../platform/errors.ts';

/** A chat proposals are posted to: its configured name (`discord:<id>`) and where it is. */
export type GovernanceChannel = { id: string; target: ChatTarget & { messageId?: undefined } };

const FORMS: Record<ChatTarget['transport'], { pattern: RegExp; expected: string }> = {
  discord: { pattern: /^\d{17,20}$/, expected: 'a channel id (17 to 20 digits)' },
  telegram: { pattern: /^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$/, expected: 'a chat id (a number, negative for groups) or @channelname' },
  web: { pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, expected: 'a web chat id (a UUID)' },
};

/**
 * Reads GOVERNANCE_CHANNELS (`discord:<channel id>,telegram:<chat id>,web:<chat id>`); throws a
 * message naming the first bad entry. An empty value is no channel.
 */
export function parseGovernanceChannels(text: string): GovernanceChannel[] {
  const out: GovernanceChannel[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = raw.indexOf(':');
    const transport = raw.slice(0, at) as ChatTarget['transport'];
    const chatId = raw.slice(at + 1).trim();
    const form = at > 0 ? FORMS[transport] : undefined;
    if (!form) throw new ConfigError(`“${raw}” is not <discord|telegram|web>:<chat id>`);
    if (!form.pattern.test(chatId)) throw new ConfigError(`“${raw}”: ${transport} needs ${form.expected}`);
    const id = `${transport}:${chatId}`;
    if (out.some((c) => c.id === id)) throw new ConfigError(`“${raw}” is named twice`);
    out.push({ id, target: { transport, chatId } });
  }
  return out;
}
