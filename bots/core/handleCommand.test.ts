import { describe, expect, it } from 'vitest';
import { parseCommand } from './handleCommand.ts';

describe('parseCommand', () => {
  it('parses commands, bot mentions and arguments', () => {
    expect(parseCommand('/start')).toEqual({ command: 'start', args: '' });
    expect(parseCommand('/Datasets@CaravanBot  page 2 ')).toEqual({ command: 'datasets', args: 'page 2' });
    expect(parseCommand('hello /start')).toBeNull();
    expect(parseCommand('/')).toBeNull();
  });
});
