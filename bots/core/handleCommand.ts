import type { Db } from '../../platform/db/client.ts';
import type { AesKey } from '../../platform/crypto/aead.ts';
import { ensureUser } from '../../platform/identity/ensureUser.ts';
import { listUserDatasets } from '../../platform/datasets/listUserDatasets.ts';
import { HELP, datasetList, welcome } from './messages.ts';
import type { Conversation, StatusReport } from './types.ts';

export type CommandDeps = {
  db: Db;
  masterKey: AesKey;
  status: () => Promise<StatusReport>;
};

/** Splits `/cmd@bot args` into its parts; null for text that is not a command. */
export function parseCommand(text: string): { command: string; args: string } | null {
  const m = /^\/([a-zA-Z0-9_]{1,32})(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  return m ? { command: m[1]!.toLowerCase(), args: (m[2] ?? '').trim() } : null;
}

export const COMMANDS = {
  start: 'Start here',
  help: 'What this bot does',
  datasets: 'Your datasets and receipts',
  status: 'What the platform is running',
} as const;

/** Answers one text message: commands, or a hint for plain text. Transport-free. */
export async function handleText(deps: CommandDeps, conv: Conversation, text: string): Promise<void> {
  const cmd = parseCommand(text);
  if (!cmd) {
    await conv.reply('Send me a .csv, .jsonl, .txt or .md file to contribute a dataset, or /help for what I can do.');
    return;
  }
  switch (cmd.command) {
    case 'start': {
      await ensureUser(deps, conv.identity);
      await conv.reply(welcome(conv.identity.displayName));
      return;
    }
    case 'help':
      await conv.reply(HELP);
      return;
    case 'datasets': {
      const user = await ensureUser(deps, conv.identity);
      await conv.reply(datasetList(await listUserDatasets(deps, user.id)));
      return;
    }
    case 'status': {
      const report = await deps.status();
      const lines = [report.ok ? '🟢 All systems up' : '🟠 Some systems are down'];
      for (const [name, c] of Object.entries(report.checks)) lines.push(`${c.ok ? '✅' : '❌'} ${name}: ${c.detail}`);
      await conv.reply(lines.join('\n'));
      return;
    }
    default:
      await conv.reply(`I don't know /${cmd.command}. Try /help.`);
  }
}
