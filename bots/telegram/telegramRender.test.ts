import { describe, expect, it } from 'vitest';
import { inlineKeyboardOf, parseCallbackData, withReachableLinks } from './telegramRender.ts';

const id = (c: string) => c.repeat(22);

describe('Telegram rendering of replies', () => {
  it('renders buttons, links, single choices and toggles, and reads the presses back', () => {
    const markup = inlineKeyboardOf({
      text: 'x',
      rows: [
        { buttons: [{ kind: 'button', label: 'Approve', id: id('a') }, { kind: 'link', label: 'Docs', url: 'https://example.com' }] },
        { select: { kind: 'select', id: id('b'), placeholder: 'One', min: 1, max: 1, options: [{ label: 'Private', value: 'private' }] } },
        { select: { kind: 'select', id: id('c'), placeholder: 'Many', min: 0, max: 8, options: [{ label: 'Faq', value: 'ds_0123456789' }, { label: 'Notes', value: 'ds_abcdefghjk' }], selected: ['ds_abcdefghjk'] } },
      ],
    })!;
    expect(markup.inline_keyboard).toEqual([
      [{ text: 'Approve', callback_data: id('a') }, { text: 'Docs', url: 'https://example.com' }],
      [{ text: 'Private', callback_data: `${id('b')}|private` }],
      [{ text: '☐ Faq', callback_data: `${id('c')}~ds_0123456789` }, { text: '☑ Notes', callback_data: `${id('c')}~ds_abcdefghjk` }],
    ]);
    for (const b of markup.inline_keyboard.flat()) if ('callback_data' in b) expect(Buffer.byteLength(b.callback_data!)).toBeLessThanOrEqual(64);
    expect(parseCallbackData(id('a'))).toEqual({ control: id('a') });
    expect(parseCallbackData(`${id('b')}|private`)).toEqual({ control: id('b'), values: ['private'] });
    expect(parseCallbackData(`${id('c')}~ds_0123456789`)).toEqual({ control: id('c'), toggle: 'ds_0123456789' });
    // A value containing a separator stays whole.
    expect(parseCallbackData(`${id('b')}|a~b|c`)).toEqual({ control: id('b'), values: ['a~b|c'] });
  });

  it('moves links Telegram will not open from a button (this machine, private networks) into the text', () => {
    const reply = withReachableLinks({
      text: 'Your dashboard',
      rows: [{ buttons: [{ kind: 'link', label: 'Open', url: 'http://127.0.0.1:3000/me/abc' }, { kind: 'button', label: 'Later', id: id('d') }] }, { buttons: [{ kind: 'link', label: 'Docs', url: 'https://caravan.example/docs' }] }],
    });
    expect(reply.text).toBe('Your dashboard\n\nOpen: http://127.0.0.1:3000/me/abc');
    expect(inlineKeyboardOf(reply)!.inline_keyboard).toEqual([[{ text: 'Later', callback_data: id('d') }], [{ text: 'Docs', url: 'https://caravan.example/docs' }]]);
    for (const url of ['http://localhost:3000/x', 'http://10.0.0.2/x', 'http://192.168.1.5/x', 'http://172.20.0.1/x'])
      expect(withReachableLinks({ text: 't', rows: [{ buttons: [{ kind: 'link', label: 'L', url }] }] })).toEqual({ text: `t\n\nL: ${url}`, rows: [] });
    const untouched = { text: 't', rows: [{ buttons: [{ kind: 'link' as const, label: 'L', url: 'https://example.com' }] }] };
    expect(withReachableLinks(untouched)).toBe(untouched);
  });

  it('renders no keyboard for a plain message', () => {
    expect(inlineKeyboardOf({ text: 'hi' })).toBeUndefined();
  });
});
