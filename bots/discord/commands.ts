import {
  ApplicationIntegrationType,
  InteractionContextType,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { COMMANDS } from '../core/handleCommand.ts';

/** The option of `/upload` that carries the file. */
export const UPLOAD_FILE_OPTION = 'file';

/**
 * The arguments a core command documents in its description, e.g. `id` and `question` for
 * "One question: /ask <id> <question>". Each becomes a required text option.
 */
export function commandArguments(name: string, description: string): string[] {
  const usage = description.split(`/${name}`)[1] ?? '';
  return [...usage.matchAll(/<([a-z][a-z0-9_-]{0,31})>/g)].map((m) => m[1]!);
}

/**
 * The slash commands: the core's text commands one to one (their documented arguments as
 * options), plus `/upload`, since a bot sees files in servers only through an interaction.
 * Usable in servers and in the bot's DMs.
 */
export function slashCommands(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const base = (name: string, description: string) =>
    new SlashCommandBuilder()
      .setName(name)
      .setDescription(description.slice(0, 100))
      .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
      .setIntegrationTypes(ApplicationIntegrationType.GuildInstall);
  const core = Object.entries(COMMANDS).map(([name, description]) => {
    const command = base(name, description);
    for (const arg of commandArguments(name, description))
      command.addStringOption((o) => o.setName(arg).setDescription(arg).setRequired(true));
    return command.toJSON();
  });
  const upload = base('upload', 'Contribute a dataset (.csv, .jsonl, .txt or .md) and earn an on-chain receipt')
    .addAttachmentOption((o) => o.setName(UPLOAD_FILE_OPTION).setDescription('The dataset file').setRequired(true))
    .toJSON();
  return [...core, upload];
}

/** The text command a core slash command stands for: `/ask 3 what is a receipt?`. */
export function commandTextOf(interaction: ChatInputCommandInteraction): string {
  const description = (COMMANDS as Record<string, string>)[interaction.commandName] ?? '';
  const args = commandArguments(interaction.commandName, description).map((a) => interaction.options.getString(a) ?? '');
  return [`/${interaction.commandName}`, ...args].join(' ').trim();
}
