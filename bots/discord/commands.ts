import {
  ApplicationIntegrationType,
  InteractionContextType,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Command } from '../core/registry.ts';
import type { IncomingFile } from '../core/types.ts';

/**
 * The slash commands: the registry's commands one to one, each argument a typed option —
 * assistants and datasets with autocomplete, choices as Discord choices, files as attachments.
 * Usable in servers and in the bot's DMs.
 */
export function slashCommands(commands: readonly Command[]): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return commands.map((c) => {
    const b = new SlashCommandBuilder()
      .setName(c.name)
      .setDescription(c.description)
      .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
      .setIntegrationTypes(ApplicationIntegrationType.GuildInstall);
    // Discord wants required options before optional ones; the registry declares them in that order.
    for (const [name, a] of Object.entries(c.args)) {
      const description = a.description.slice(0, 100);
      switch (a.kind) {
        case 'attachment':
          // On Discord an attachment option is the only way to hand the bot a file in a server.
          b.addAttachmentOption((o) => o.setName(name).setDescription(description).setRequired(true));
          break;
        case 'choice':
          b.addStringOption((o) =>
            o
              .setName(name)
              .setDescription(description)
              .setRequired(a.required)
              .addChoices(...(a.choices ?? []).map((ch) => ({ name: ch.label.slice(0, 100), value: ch.value }))),
          );
          break;
        default:
          b.addStringOption((o) =>
            o
              .setName(name)
              .setDescription(description)
              .setRequired(a.required)
              .setAutocomplete(a.kind === 'assistant' || a.kind === 'dataset')
              .setMaxLength(Math.min(a.maxLength ?? 6000, 6000)),
          );
      }
    }
    return b.toJSON();
  });
}

/** A slash command's options by name, as the registry parses them (files as `IncomingFile`). */
export function optionsOf(interaction: ChatInputCommandInteraction, command: Command): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(command.args)) {
    if (a.kind === 'attachment') {
      const file = interaction.options.getAttachment(name);
      if (file) out[name] = { fileName: file.name, size: file.size, source: { kind: 'discord', url: file.url } } satisfies IncomingFile;
    } else out[name] = interaction.options.getString(name) ?? undefined;
  }
  return out;
}
