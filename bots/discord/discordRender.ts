import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  LabelBuilder,
  ModalBuilder,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type APIEmbed,
  type MessageActionRowComponentBuilder,
} from 'discord.js';
import { MAX_FORM_FIELDS, MAX_OPTION_LABEL, MAX_ROWS, fitLabel, fitText, type Reply, type ReplyCard, type ReplyForm } from '../../platform/chat/reply.ts';
import { fitContent } from './content.ts';

const STYLE = { primary: ButtonStyle.Primary, secondary: ButtonStyle.Secondary, success: ButtonStyle.Success, danger: ButtonStyle.Danger } as const;

/** Discord's limits on modals: titles and labels 45 characters, placeholders 100, values 4000. */
const MODAL_TITLE = 45;
const LABEL = 45;

/**
 * A reply as a Discord message: content, action rows of buttons and string selects, a picture as
 * an attached file. A form that cannot be shown as a modal at this point (Discord opens one only
 * as the first answer to a command or press) becomes a button that opens it.
 */
export function messagePayloadOf(reply: Reply) {
  const rows: ActionRowBuilder<MessageActionRowComponentBuilder>[] = [];
  for (const row of reply.rows ?? []) {
    if ('buttons' in row) {
      const r = new ActionRowBuilder<MessageActionRowComponentBuilder>();
      for (const b of row.buttons)
        r.addComponents(
          b.kind === 'link'
            ? new ButtonBuilder().setStyle(ButtonStyle.Link).setLabel(fitLabel(b.label)).setURL(b.url)
            : new ButtonBuilder().setStyle(STYLE[b.style ?? 'secondary']).setLabel(fitLabel(b.label)).setCustomId(b.id),
        );
      if (r.components.length) rows.push(r);
      continue;
    }
    const s = row.select;
    if (!s.options.length) continue;
    const chosen = new Set(s.selected ?? []);
    rows.push(
      new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(
        new StringSelectMenuBuilder()
          .setCustomId(s.id)
          .setPlaceholder(fitLabel(s.placeholder, 150))
          .setMinValues(Math.min(s.min, s.options.length))
          .setMaxValues(Math.max(1, Math.min(s.max, s.options.length)))
          .addOptions(
            s.options.map((o) => ({
              label: fitLabel(o.label, MAX_OPTION_LABEL),
              value: o.value,
              ...(o.description ? { description: fitLabel(o.description, MAX_OPTION_LABEL) } : {}),
              ...(chosen.has(o.value) ? { default: true } : {}),
            })),
          ),
      ),
    );
  }
  if (reply.form?.opener)
    rows.push(
      new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(
        new ButtonBuilder().setStyle(ButtonStyle.Primary).setLabel(fitLabel(`📝 ${reply.form.title}`)).setCustomId(reply.form.opener),
      ),
    );
  const embeds = reply.card ? [embedOf(reply.card, reply.image?.fileName)] : [];
  return {
    // A card says what the text says: the embed alone is shown.
    content: reply.card ? '' : fitContent(reply.text || (reply.form ? reply.form.title : '…')),
    embeds,
    components: rows.slice(0, MAX_ROWS),
    files: reply.image ? [new AttachmentBuilder(Buffer.from(reply.image.png), { name: reply.image.fileName })] : [],
    allowedMentions: { parse: [] as never[] },
  };
}

/**
 * A card as an embed (API JSON) within Discord's limits (title 256, description 4096, 25 fields of
 * 256 / 1024, footer 2048, 6000 in all); the message's picture is shown inside it.
 */
export function embedOf(card: ReplyCard, imageFileName?: string | undefined): APIEmbed {
  const fields = (card.fields ?? []).slice(0, 25).map((f) => ({ name: fitLabel(f.name, 256) || '·', value: fitText(f.value, 1024) || '·', ...(f.inline ? { inline: true } : {}) }));
  const embed: APIEmbed = {
    title: fitLabel(card.title, 256),
    ...(card.url ? { url: card.url } : {}),
    ...(card.description ? { description: fitText(card.description, 4096) } : {}),
    ...(fields.length ? { fields } : {}),
    ...(card.color !== undefined ? { color: card.color } : {}),
    ...(card.footer ? { footer: { text: fitText(card.footer, 2048) } } : {}),
    ...(imageFileName ? { image: { url: `attachment://${imageFileName}` } } : {}),
  };
  // Discord refuses an embed over 6000 characters in all: the description gives way first.
  const size = (e: APIEmbed) =>
    (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.fields ?? []).reduce((a, f) => a + f.name.length + f.value.length, 0);
  const over = size(embed) - 6000;
  if (over > 0 && embed.description) embed.description = fitText(embed.description, Math.max(1, embed.description.length - over));
  return embed;
}

/** A form as a Discord modal: one labelled text input per field (at most five). */
export function modalOf(form: ReplyForm): ModalBuilder {
  const modal = new ModalBuilder().setCustomId(form.id).setTitle(fitLabel(form.title, MODAL_TITLE));
  for (const f of form.fields.slice(0, MAX_FORM_FIELDS)) {
    const input = new TextInputBuilder()
      .setCustomId(f.name)
      .setStyle(f.style === 'paragraph' ? TextInputStyle.Paragraph : TextInputStyle.Short)
      .setRequired(f.required);
    if (f.minLength !== undefined) input.setMinLength(f.minLength);
    if (f.maxLength !== undefined) input.setMaxLength(Math.min(4000, f.maxLength));
    if (f.placeholder) input.setPlaceholder(fitLabel(f.placeholder, 100));
    if (f.value) input.setValue(f.value.slice(0, 4000));
    const label = new LabelBuilder().setLabel(fitLabel(f.label, LABEL)).setTextInputComponent(input);
    if (f.label.length > LABEL) label.setDescription(fitLabel(f.label, 100));
    modal.addLabelComponents(label);
  }
  return modal;
}
