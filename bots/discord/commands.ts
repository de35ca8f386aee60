import {
  ApplicationIntegrationType,
  InteractionContextType,
  SlashCommandBuilder,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { COMMANDS } from '../core/handleCommand.ts';

/** The option of `/upload` that carries the file. */
export const UPLOAD_FILE_OPTION = 'file';

/**
 * The slash commands: the core's text commands one to one, plus `/upload`, since a Discord bot
 * only sees files that come with an interaction. Usable in servers and in the bot's DMs.
 */
export function slashCommands(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const base = (name: string, description: string) =>
    new SlashCommandBuilder()
      .setName(name)
      .setDescription(description)
      .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
      .setIntegrationTypes(ApplicationIntegrationType.GuildInstall);
  return [
    ...Object.entries(COMMANDS).map(([name, description]) => base(name, description).toJSON()),
    base('upload', 'Contribute a dataset (.csv, .jsonl, .txt or .md) and earn an on-chain receipt')
      .addAttachmentOption((o) =>
        o.setName(UPLOAD_FILE_OPTION).setDescription('The dataset file').setRequired(true),
      )
      .toJSON(),
  ];
}
