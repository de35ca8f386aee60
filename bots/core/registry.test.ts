import { describe, expect, it } from 'vitest';
import { arg, defineCommand, parseArgs, parseCommandText, parseTextArgs, usageOf } from './registry.ts';

const ask = defineCommand({
  name: 'ask',
  description: 'Ask an assistant one question',
  args: { assistant: arg.assistant('The assistant'), question: arg.text('Your question', { max: 30 }) },
  run: async () => {},
});
const upload = defineCommand({
  name: 'upload',
  description: 'Upload',
  args: { file: arg.attachment('The file'), access: arg.choice('Who may build on it', [{ label: 'open', value: 'open' }, { label: 'private', value: 'private' }], { required: false }) },
  run: async () => {},
});

describe('the command registry', () => {
  it('splits `/cmd@bot args`, and leaves other text alone', () => {
    expect(parseCommandText('/start')).toEqual({ command: 'start', args: '' });
    expect(parseCommandText('/Datasets@CaravanBot  page 2 ')).toEqual({ command: 'datasets', args: 'page 2' });
    expect(parseCommandText('hello /start')).toBeNull();
    expect(parseCommandText('/')).toBeNull();
  });

  it('reads typed arguments: one word each, the last text argument takes the rest of the line', () => {
    expect(parseTextArgs(ask, 'as_0123456789 how far is   the oasis?')).toEqual({ ok: true, args: { assistant: 'as_0123456789', question: 'how far is   the oasis?' } });
    expect(parseTextArgs(upload, 'OPEN')).toEqual({ ok: true, args: { file: undefined, access: 'open' } });
    expect(parseTextArgs(upload, '')).toEqual({ ok: true, args: { file: undefined, access: undefined } });
  });

  it('says what is missing or wrong, with the usage', () => {
    expect(parseTextArgs(ask, '')).toEqual({ ok: false, message: 'The assistant is missing. Usage: /ask <assistant> <question>' });
    expect(parseTextArgs(ask, 'as_x')).toEqual({ ok: false, message: 'Your question is missing. Usage: /ask <assistant> <question>' });
    expect(parseTextArgs(ask, `as_x ${'y'.repeat(31)}`)).toEqual({ ok: false, message: 'Your question can be at most 30 characters. Usage: /ask <assistant> <question>' });
    expect(parseTextArgs(upload, 'everyone')).toEqual({ ok: false, message: 'Who may build on it: choose open or private. Usage: /upload [access]' });
    expect(parseTextArgs(upload, 'open now')).toEqual({ ok: false, message: 'Too many arguments. Usage: /upload [access]' });
  });

  it('checks arguments given by name (Discord options) with the same schemas', () => {
    expect(parseArgs(ask, { assistant: 'as_1', question: ' hi ' })).toEqual({ ok: true, args: { assistant: 'as_1', question: 'hi' } });
    expect(parseArgs(ask, { assistant: 'as_1' })).toMatchObject({ ok: false });
    expect(usageOf(upload)).toBe('/upload [access]');
  });

  it('refuses names and descriptions the chat platforms would refuse', () => {
    expect(() => defineCommand({ name: 'New-Assistant', description: 'x', args: {}, run: async () => {} })).toThrow(/Invalid command name/);
    expect(() => defineCommand({ name: 'x', description: 'y'.repeat(101), args: {}, run: async () => {} })).toThrow(/over 100 characters/);
  });
});
