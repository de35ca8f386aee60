import crypto from 'node:crypto';
import type { ReplyControls } from '../../platform/chat/reply.ts';
import { eventually } from './testRuntime.ts';

export type WebMsg = { id: number; fromBot: boolean; text: string; image?: string; controls?: ReplyControls; cursor: string };

/**
 * Plays a person in the local web chat over its HTTP API, as the page does: types messages,
 * presses buttons, picks from selects, fills in forms and uploads files.
 */
export function webChat(baseUrl: string, chatId: string = crypto.randomUUID()) {
  const messages = async (since?: string): Promise<WebMsg[]> => {
    const q = new URLSearchParams({ chatId, ...(since ? { since } : {}) });
    const res = await fetch(`${baseUrl}/chat/api/messages?${q}`);
    if (res.status !== 200) throw new Error(`GET messages answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { messages: WebMsg[] }).messages;
  };
  const lastId = async () => (await messages()).at(-1)?.id ?? 0;
  /** The first bot message after `after` (an id) that satisfies `predicate`. */
  const waitFor = (predicate: (m: WebMsg) => boolean, opts: { after?: number; timeoutMs?: number; what?: string } = {}) =>
    eventually(
      async () => (await messages()).find((m) => m.fromBot && m.id > (opts.after ?? 0) && predicate(m)),
      opts.timeoutMs ?? 15_000,
      `${opts.what ?? 'a bot message'} in web chat ${chatId}`,
    );
  const post = (path: string, body: unknown) =>
    fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  /** The id of the control labelled `label` (a button, or the select/form whose placeholder/title matches). */
  const controlOf = (m: WebMsg, label: string | RegExp): string => {
    const match = (t: string) => (typeof label === 'string' ? t.includes(label) : label.test(t));
    for (const row of m.controls?.rows ?? []) {
      if ('buttons' in row) for (const b of row.buttons) if (b.kind === 'button' && match(b.label)) return b.id;
      if ('select' in row && match(row.select.placeholder)) return row.select.id;
    }
    if (m.controls?.form && match(m.controls.form.title)) return m.controls.form.id;
    throw new Error(`No control “${String(label)}” on message ${m.id}: ${JSON.stringify(m.controls)}\n${m.text}`);
  };

  const chat = {
    chatId,
    messages,
    waitFor,
    /** Sends text and returns the bot's first reply to it. */
    async say(text: string): Promise<WebMsg> {
      const after = await lastId();
      const res = await post('/chat/api/messages', { chatId, text });
      if (res.status !== 202) throw new Error(`POST message answered ${res.status}: ${await res.text()}`);
      return waitFor(() => true, { after, what: `a reply to ${text}` });
    },
    /** Presses a control on `m` with what a person would send; returns the HTTP response. */
    async act(m: WebMsg, control: string, input: { values?: string[]; toggle?: string; fields?: Record<string, string> } = {}) {
      return post('/chat/api/actions', { chatId, messageId: m.id, control, ...input });
    },
    /** Presses the button labelled `label` on `m`; resolves with the message after the press (edited or new). */
    async press(m: WebMsg, label: string | RegExp): Promise<WebMsg> {
      const after = await lastId();
      const before = m.cursor;
      const res = await chat.act(m, controlOf(m, label));
      if (res.status !== 202) throw new Error(`POST action answered ${res.status}: ${await res.text()}`);
      return eventually(
        async () => (await messages()).find((x) => x.fromBot && (x.id > after || (x.id === m.id && x.cursor > before))),
        15_000,
        `an answer to pressing “${String(label)}”`,
      );
    },
    /** Chooses `values` in the select with placeholder `label` on `m`. */
    async choose(m: WebMsg, label: string | RegExp, values: string[]): Promise<WebMsg> {
      const after = await lastId();
      const before = m.cursor;
      await chat.act(m, controlOf(m, label), { values });
      return eventually(
        async () => (await messages()).find((x) => x.fromBot && (x.id > after || (x.id === m.id && x.cursor > before))),
        15_000,
        `an answer to choosing in “${String(label)}”`,
      );
    },
    /** Submits the form on `m` with `fields`; returns the bot's first new message. */
    async submit(m: WebMsg, fields: Record<string, string>): Promise<WebMsg> {
      if (!m.controls?.form) throw new Error(`Message ${m.id} has no form: ${m.text}`);
      const after = await lastId();
      await chat.act(m, m.controls.form.id, { fields });
      return waitFor(() => true, { after, what: 'an answer to a form' });
    },
    controlOf,
    /** Uploads a file as the page's 📎 button does. */
    upload(name: string, bytes: Buffer | string, query: Record<string, string> = {}) {
      const form = new FormData();
      form.append('file', new Blob([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)]), name);
      return fetch(`${baseUrl}/chat/api/upload?${new URLSearchParams({ chatId, ...query })}`, { method: 'POST', body: form });
    },
  };
  return chat;
}

export type WebChat = ReturnType<typeof webChat>;
