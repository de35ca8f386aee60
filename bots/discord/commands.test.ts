import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../core/handleCommand.ts';
import { commandArguments, slashCommands } from './commands.ts';

describe('commandArguments', () => {
  it('reads the placeholders of the usage a description documents', () => {
    expect(commandArguments('ask', 'One question: /ask <id> <question>')).toEqual(['id', 'question']);
    expect(commandArguments('use', 'Chat with an assistant: /use <id>')).toEqual(['id']);
  });

  it('finds none where the description documents no usage', () => {
    expect(commandArguments('help', 'What this bot does')).toEqual([]);
    expect(commandArguments('x', 'Compare <a> with /other <b>')).toEqual([]);
  });
});

describe('slashCommands', () => {
  it('mirrors every core command with its arguments as required text options, plus /upload', () => {
    const defs = slashCommands();
    expect(defs.map((d) => d.name)).toEqual([...Object.keys(COMMANDS), 'upload']);
    for (const [name, description] of Object.entries(COMMANDS)) {
      const def = defs.find((d) => d.name === name)!;
      expect((def.options ?? []).map((o) => [o.name, o.type, o.required])).toEqual(
        commandArguments(name, description).map((a) => [a, 3, true]),
      );
    }
    expect(defs.at(-1)!.options).toEqual([expect.objectContaining({ name: 'file', type: 11, required: true })]);
  });
});
