import type { Db } from '../../platform/db/client.ts';
import type { AesKey } from '../../platform/crypto/aead.ts';
import { ensureUser } from '../../platform/identity/ensureUser.ts';
import { listUserDatasets } from '../../platform/datasets/listUserDatasets.ts';
import type { Queues } from '../../jobs/queues.ts';
import { HELP, datasetList, welcome } from './messages.ts';
import {
  askAssistant,
  continueAssistantWizard,
  getSession,
  listAssistants,
  sessionKeyOf,
  setSession,
  startAssistantWizard,
  useAssistant,
  type AssistantChat,
  type SessionState,
} from './assistantCommands.ts';
import type { Conversation, StatusReport } from './types.ts';

export type CommandDeps = {
  db: Db;
  masterKey: AesKey;
  queues: Pick<Queues, 'finetune'>;
  status: () => Promise<StatusReport>;
  /** Chat with assistants (absent where no engine serves them). */
  chat?: AssistantChat | undefined;
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
  newassistant: 'Create an AI assistant, no code',
  assistants: 'Your assistants and public ones',
  use: 'Chat with an assistant: /use <id>',
  ask: 'One question: /ask <id> <question>',
  status: 'What the platform is running',
} as const;

/** Answers one text message: wizard answers, commands, or a message to the active assistant. Transport-free. */
export async function handleText(deps: CommandDeps, conv: Conversation, text: string): Promise<void> {
  const cmd = parseCommand(text);
  const key = sessionKeyOf(conv);
  const session = (await getSession<SessionState>(deps, key)) ?? {};

  if (session.wizard) {
    if (cmd?.command === 'cancel') {
      await setSession(deps, key, { ...session, wizard: undefined });
      await conv.reply('Wizard cancelled; nothing was created.');
      return;
    }
    // Inside the wizard, text and its own commands are answers; other commands still work.
    if (!cmd || cmd.command === 'skip' || cmd.command === 'create') {
      const user = await ensureUser(deps, conv.identity);
      await continueAssistantWizard(deps, conv, user, session, text);
      return;
    }
  }

  if (!cmd) {
    if (session.active) {
      const user = await ensureUser(deps, conv.identity);
      await askAssistant(deps, conv, user, session, String(session.active.assistantId), text);
      return;
    }
    await conv.reply('Send me a .csv, .jsonl, .txt or .md file to contribute a dataset, /newassistant to build an assistant, or /help.');
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
    case 'newassistant':
      await startAssistantWizard(deps, conv, await ensureUser(deps, conv.identity), session);
      return;
    case 'assistants':
      await listAssistants(deps, conv, await ensureUser(deps, conv.identity));
      return;
    case 'use':
      await useAssistant(deps, conv, await ensureUser(deps, conv.identity), cmd.args);
      return;
    case 'ask': {
      const m = /^#?(\d+)\s+([\s\S]+)$/.exec(cmd.args);
      if (!m) {
        await conv.reply('Usage: /ask <assistant id> <question>');
        return;
      }
      await askAssistant(deps, conv, await ensureUser(deps, conv.identity), session, m[1]!, m[2]!);
      return;
    }
    case 'stop':
      await setSession(deps, key, { ...session, active: undefined });
      await conv.reply('Stopped. Plain messages no longer go to an assistant.');
      return;
    case 'cancel':
      await conv.reply('There is nothing to cancel.');
      return;
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
