import { describe, expect, it } from 'vitest';
import { createCaravanCore } from '../core/createCaravanCore.ts';
import { createLogger } from '../../platform/log.ts';
import { slashCommands } from './commands.ts';

describe('Discord slash commands', () => {
  // The registry needs no services to list its commands.
  const core = createCaravanCore({ log: createLogger({ level: 'silent', pretty: false }) } as never);

  it('mirror the registry one to one, with typed options, choices and autocomplete', () => {
    const defs = slashCommands(core.commands);
    expect(defs.map((d) => d.name)).toEqual(core.commands.map((c) => c.name));
    const option = (command: string, name: string) => defs.find((d) => d.name === command)!.options!.find((o) => o.name === name);
    expect(option('upload', 'file')).toMatchObject({ type: 11, required: true });
    expect(option('upload', 'access')).toMatchObject({ type: 3, required: false, choices: [{ value: 'open' }, { value: 'private' }] });
    expect(option('use', 'assistant')).toMatchObject({ type: 3, required: true, autocomplete: true });
    expect(option('ask', 'question')).toMatchObject({ type: 3, required: true, max_length: 2000 });
    for (const d of defs) {
      expect(d.description.length).toBeLessThanOrEqual(100);
      // Discord wants required options first.
      const required = (d.options ?? []).map((o) => Boolean((o as { required?: boolean }).required));
      expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
    }
  });
});
