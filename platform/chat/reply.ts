/**
 * The transport-free reply model: what the platform says in a chat, with the controls people
 * answer with. Discord renders it as components and modals, Telegram as inline keyboards and
 * short guided steps, the web page as HTML; nothing here knows any of them.
 *
 * Every control that does something carries the id of a stored component (see
 * `createComponent`): pressing it sends only that id back, and the component row says which
 * action runs, with what data, for whom and until when.
 */

/** A picture to send with a message (loss curves, charts). */
export type ChatImage = { png: Uint8Array; fileName: string };

export type ButtonStyle = 'primary' | 'secondary' | 'success' | 'danger';

/** A button that runs a stored component's action, or a link. */
export type ReplyButton =
  | { kind: 'button'; label: string; id: string; style?: ButtonStyle | undefined }
  | { kind: 'link'; label: string; url: string };

/** An option; its value travels in Telegram's 64-byte callback data next to a control id, so keep it under 40 bytes. */
export type SelectOption = { label: string; value: string; description?: string | undefined };

/**
 * A select menu of at most {@link MAX_SELECT_OPTIONS} options (longer lists are paged with
 * {@link pageOptions}). Choosing runs the component's action with the chosen values.
 */
export type ReplySelect = {
  kind: 'select';
  id: string;
  placeholder: string;
  options: SelectOption[];
  /**
   * Fewest and most options that may be chosen: 1 and 1 for a single choice; with `min` 0 or
   * `max` above 1 each option can be chosen and unchosen (Telegram shows toggles).
   */
  min: number;
  max: number;
  /** Values shown as already chosen. */
  selected?: string[] | undefined;
};

/** One line of controls: up to five buttons, or one select. */
export type ReplyRow = { buttons: ReplyButton[] } | { select: ReplySelect };

/** A field of a form; limits are checked by every transport before the form is submitted. */
export type FormField = {
  name: string;
  label: string;
  /** One line, or several (descriptions, lists). */
  style: 'short' | 'paragraph';
  required: boolean;
  minLength?: number | undefined;
  maxLength?: number | undefined;
  placeholder?: string | undefined;
  /** Pre-filled value (a form shown again after a mistake keeps what was typed). */
  value?: string | undefined;
};

/**
 * A form of at most five fields; submitting runs the component's action with the values.
 * `opener` is a control that shows the form again, for transports that can show a form only as
 * the first answer to a press (Discord's modals); the chat core adds it.
 */
export type ReplyForm = { id: string; title: string; fields: FormField[]; opener?: string | undefined };

/**
 * A structured view of a message (Discord shows it as an embed): a title that may link somewhere,
 * a description, short named fields, and the message's picture inside it. Transports without
 * such a view show `Reply.text`, which must say the same.
 */
export type ReplyCard = {
  title: string;
  url?: string | undefined;
  description?: string | undefined;
  fields?: Array<{ name: string; value: string; inline?: boolean | undefined }> | undefined;
  /** The side colour, 0xRRGGBB. */
  color?: number | undefined;
  footer?: string | undefined;
};

/** A message: text, optionally a picture, controls, or a form to fill in. */
export type Reply = {
  text: string;
  /** The same content as a card, where the transport can show one (Discord: an embed, with the picture in it). */
  card?: ReplyCard | undefined;
  image?: ChatImage | undefined;
  rows?: ReplyRow[] | undefined;
  form?: ReplyForm | undefined;
  /** Shown only to the person it answers where a transport can do that (Discord server channels). */
  personal?: boolean | undefined;
};

/**
 * What a person sent back through a control: the chosen values of a select (all of them at
 * once), one option flipped (transports that show a multi-choice select as toggle buttons), or
 * a form's fields.
 */
export type ControlInput = { values?: string[] | undefined; toggle?: string | undefined; fields?: Record<string, string> | undefined };


/** Limits every transport can show (Discord's are the tightest). */
export const MAX_SELECT_OPTIONS = 25;
export const MAX_ROWS = 5;
export const MAX_FORM_FIELDS = 5;
export const MAX_LABEL = 80;
export const MAX_OPTION_LABEL = 100;

/** A reply from plain text, or the reply itself. */
export const toReply = (r: Reply | string): Reply => (typeof r === 'string' ? { text: r } : r);

/** The controls of a reply as stored with a message (JSON), without the text and picture. */
export type ReplyControls = Pick<Reply, 'rows' | 'form'>;

/** The stored controls of a reply, or null when it has none. */
export function controlsOf(reply: Reply): ReplyControls | null {
  if (!reply.rows?.length && !reply.form) return null;
  return { ...(reply.rows?.length ? { rows: reply.rows } : {}), ...(reply.form ? { form: reply.form } : {}) };
}

/** Cuts text to `max` characters, marking the cut with an ellipsis and never splitting a surrogate pair. */
export function fitText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\uD800-\uDBFF]/.test(text[end - 1]!)) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** A label on one line, cut to `max` characters. */
export const fitLabel = (text: string, max = MAX_LABEL): string => fitText(text.replace(/\s+/g, ' ').trim(), max);

/** The options of page `page` (0-based) and how many pages there are, `size` per page. */
export function pageOptions<T>(options: readonly T[], page: number, size = MAX_SELECT_OPTIONS): { items: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(options.length / size));
  const p = Math.min(Math.max(0, page), pages - 1);
  return { items: options.slice(p * size, p * size + size), page: p, pages };
}

/**
 * The text a form field accepts, or a message saying why not. Shared by every transport so a
 * field means the same everywhere.
 */
export function checkField(field: FormField, raw: string | undefined): { ok: true; value: string } | { ok: false; message: string } {
  const value = (raw ?? '').trim();
  if (!value) return field.required ? { ok: false, message: `${field.label} is required.` } : { ok: true, value: '' };
  if (field.minLength !== undefined && value.length < field.minLength)
    return { ok: false, message: `${field.label} needs at least ${field.minLength} characters.` };
  if (field.maxLength !== undefined && value.length > field.maxLength)
    return { ok: false, message: `${field.label} can be at most ${field.maxLength} characters.` };
  return { ok: true, value };
}
