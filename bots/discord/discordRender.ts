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
  type MessageActionRowComponentBuilder,
} from 'discord.js';
import { MAX_FORM_FIELDS, MAX_OPTION_LABEL, MAX_ROWS, fitLabel, type Reply, type ReplyForm } from '../../platform/chat/reply.ts';
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
  return {
    content: fitContent(reply.text || (reply.form ? reply.form.title : '…')),
    components: rows.slice(0, MAX_ROWS),
    files: reply.image ? [new AttachmentBuilder(Buffer.from(reply.image.png), { name: reply.image.fileName })] : [],
    allowedMentions: { parse: [] as never[] },
  };
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
