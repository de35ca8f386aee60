import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import { fitText, type Reply } from '../../platform/chat/reply.ts';

/** Telegram refuses texts over 4096 characters and captions over 1024. */
export const TELEGRAM_MAX_TEXT = 4096;
export const TELEGRAM_MAX_CAPTION = 1024;

/** Separators in callback data: `<control>` for a button, `<control>|<value>` for a choice, `<control>~<value>` for a toggle. */
const CHOOSE = '|';
const TOGGLE = '~';

/** Text as Telegram takes it: not empty, at most `max` characters. */
export const fitTelegram = (text: string, max = TELEGRAM_MAX_TEXT): string => fitText(text, max) || '…';

/** Hosts Telegram does not open from a URL button ("Wrong HTTP URL"): this machine and private networks. */
function telegramRefusesUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return (
      host === 'localhost' ||
      host.endsWith('.localhost') ||
      /^(127\.|10\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.|0\.)/.test(host) ||
      host === '[::1]'
    );
  } catch {
    return true;
  }
}

/**
 * Link buttons to pages Telegram will not open from a button (a dev stack on 127.0.0.1) move into
 * the text as plain links, so the message is still sent and the link still works where it is
 * reachable. Set PUBLIC_URL to a public https address for real buttons.
 */
export function withReachableLinks(reply: Reply): Reply {
  const moved: string[] = [];
  const rows = (reply.rows ?? [])
    .map((row) => {
      if (!('buttons' in row)) return row;
      const buttons = row.buttons.filter((b) => {
        if (b.kind !== 'link' || !telegramRefusesUrl(b.url)) return true;
        moved.push(`${b.label}: ${b.url}`);
        return false;
      });
      return { buttons };
    })
    .filter((row) => !('buttons' in row) || row.buttons.length > 0);
  if (!moved.length) return reply;
  return { ...reply, text: `${reply.text}\n\n${moved.join('\n')}`, rows };
}

/**
 * A reply's controls as an inline keyboard: buttons as they are; a select as one button per
 * option — a choice for single selects, a toggle (☑ marks chosen ones) for multi-choice ones.
 * Forms never reach here: the chat core turns them into guided steps on Telegram.
 */
export function inlineKeyboardOf(reply: Reply): InlineKeyboardMarkup | undefined {
  const rows: InlineKeyboardButton[][] = [];
  for (const row of reply.rows ?? []) {
    if ('buttons' in row) {
      rows.push(row.buttons.map((b) => (b.kind === 'link' ? { text: b.label, url: b.url } : { text: b.label, callback_data: b.id })));
      continue;
    }
    const s = row.select;
    // Several choices, or none allowed: each option toggles; otherwise pressing one chooses it.
    const multi = s.max > 1 || s.min === 0;
    const chosen = new Set(s.selected ?? []);
    const buttons = s.options.map((o) => ({
      text: multi ? `${chosen.has(o.value) ? '☑' : '☐'} ${o.label}` : o.label,
      callback_data: `${s.id}${multi ? TOGGLE : CHOOSE}${o.value}`,
    }));
    // Two options per row keeps long labels readable on a phone.
    for (let i = 0; i < buttons.length; i += 2) rows.push(buttons.slice(i, i + 2));
  }
  return rows.length ? { inline_keyboard: rows } : undefined;
}

/** What a pressed button's callback data means for the chat core. */
export function parseCallbackData(data: string): { control: string; values?: string[]; toggle?: string } {
  const toggle = data.indexOf(TOGGLE);
  const choose = data.indexOf(CHOOSE);
  if (toggle === 22) return { control: data.slice(0, 22), toggle: data.slice(23) };
  if (choose === 22) return { control: data.slice(0, 22), values: [data.slice(23)] };
  return { control: data };
}
