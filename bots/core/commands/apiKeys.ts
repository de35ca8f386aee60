import { z } from 'zod';
import { createApiKey, type CreatedApiKey } from '../../../platform/apikeys/createApiKey.ts';
import { listApiKeys, type ApiKeyInfo } from '../../../platform/apikeys/listApiKeys.ts';
import { revokeApiKey } from '../../../platform/apikeys/revokeApiKey.ts';
import { fitLabel, MAX_ROWS, type Reply, type ReplyButton } from '../../../platform/chat/reply.ts';
import { InputError } from '../../../platform/errors.ts';
import type { ChatContext } from '../context.ts';
import { arg, defineAction, defineCommand, type Feature } from '../registry.ts';

/** Buttons per row in the key list (Discord's most). */
const PER_ROW = 5;

/** "3 min ago", "5 h ago", "2 days ago". */
function agoText(date: Date, now = new Date()): string {
  const ms = Math.max(0, now.getTime() - date.getTime());
  if (ms < 60_000) return 'just now';
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h ago`;
  const days = Math.round(ms / 86_400_000);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

function keyLine(k: ApiKeyInfo): string {
  const what = k.license ? `license key for license #${k.license.id} (${k.license.assistant.name}, ${k.license.assistant.id})` : 'personal key';
  return `• ${k.name} (${k.id}) — ${what} · ${k.prefix}… · ${k.lastUsedAt ? `last used ${agoText(k.lastUsedAt)}` : 'never used'}`;
}

/**
 * Discord reads Markdown: `__` or `-_x_-` inside a token would be shown as formatting and copied
 * without its underscores. A code span keeps it exact there; the other transports show text as sent.
 */
const verbatim = (ctx: ChatContext, text: string) => (ctx.conv.chat.transport === 'discord' ? `\`${text}\`` : text);

/** The list of the user's keys with a Revoke button each; `head` goes above it. */
async function keyList(ctx: ChatContext, head?: string): Promise<Reply> {
  const user = await ctx.user();
  const { keys } = await listApiKeys(ctx.deps, { userId: user.id, limit: MAX_ROWS * PER_ROW });
  const publicUrl = ctx.deps.money.settings.publicUrl;
  const lines = [
    ...(head ? [head, ''] : []),
    ...(keys.length
      ? ['🔑 Your API keys (the tokens themselves are never shown again):', ...keys.map(keyLine)]
      : ['🔑 You have no API keys.']),
    '',
    '/apikey new [name] creates a personal key (it acts as you: datasets, assistants, licenses, earnings).',
    '/apikey license <license number> [name] creates a key bound to one of your API licenses (/licenses lists them).',
    `The API: ${publicUrl}/docs`,
  ];
  const buttons: ReplyButton[] = await Promise.all(
    keys.map(async (k) => ({
      kind: 'button' as const,
      label: fitLabel(`🗑 Revoke ${k.name}`),
      style: 'danger' as const,
      id: await ctx.control('apikey.revoke', { keyId: k.id }, { once: true }),
    })),
  );
  const rows = [];
  for (let i = 0; i < buttons.length; i += PER_ROW) rows.push({ buttons: buttons.slice(i, i + PER_ROW) });
  return { text: lines.join('\n'), personal: true, ...(rows.length ? { rows } : {}) };
}

/** The message that shows a new key's token, this once, with how to use it. */
async function createdKeyReply(ctx: ChatContext, k: CreatedApiKey): Promise<Reply> {
  const publicUrl = ctx.deps.money.settings.publicUrl;
  let example = `curl -H "Authorization: Bearer ${k.token}" ${publicUrl}/v1/wallet`;
  let what = 'personal key: it acts as you (datasets, assistants, licenses, earnings)';
  if (k.license) {
    const { keys } = await listApiKeys(ctx.deps, { userId: (await ctx.user()).id, limit: MAX_ROWS * PER_ROW });
    const assistant = keys.find((x) => x.id === k.id)?.license?.assistant;
    what = `license key for license #${k.license.id}${assistant ? ` (${assistant.name})` : ''}: it can only chat with that assistant, within the license's calls`;
    example = `curl -H "Authorization: Bearer ${k.token}" -H "Content-Type: application/json" -d '{"messages":[{"role":"user","content":"Hello"}]}' ${publicUrl}/v1/assistants/${assistant?.id ?? '<assistant id>'}/chat`;
  }
  return {
    text: [
      `🔑 New ${what}.`,
      `Name: ${k.name} (${k.id})`,
      '',
      'Copy the key now: it is shown this once, and Caravan keeps only its hash.',
      verbatim(ctx, k.token),
      '',
      'Use it:',
      verbatim(ctx, example),
      `The API reference: ${publicUrl}/docs`,
      '',
      'Do not share it: whoever has it acts with it. /apikey lists your keys and revokes them; a revoked key stops at once.',
    ].join('\n'),
    personal: true,
  };
}

/** Reads `<license number> [name]` (the number as /licenses shows it: 3 or #3). */
function parseLicenseArgs(details: string | undefined): { chainLicenseId: bigint; name: string | undefined } {
  const m = /^#?(\d{1,30})(?:\s+([\s\S]+))?$/.exec(details?.trim() ?? '');
  if (!m) throw new InputError('Which license? /apikey license <license number> [name], e.g. /apikey license 3 production. /licenses lists yours.');
  return { chainLicenseId: BigInt(m[1]!), name: m[2]?.trim() };
}

/** API keys in the chat: list and revoke them, create personal keys and keys bound to an API license. */
export const apiKeysFeature: Feature = {
  name: 'apikeys',
  title: 'API keys',
  commands: [
    defineCommand({
      name: 'apikey',
      description: 'Your API keys: list and revoke them, or create one (new [name], license <number> [name])',
      args: {
        action: arg.choice<'list' | 'new' | 'license' | 'revoke', false>(
          'What to do',
          [
            { label: 'list my keys', value: 'list' },
            { label: 'new personal key', value: 'new' },
            { label: 'key for an API license', value: 'license' },
            { label: 'revoke a key', value: 'revoke' },
          ],
          { required: false },
        ),
        details: arg.text<false>('A name; for license: the license number, then a name; for revoke: the key id', { required: false, max: 100 }),
      },
      personal: true,
      async run(ctx, { action, details }) {
        const user = await ctx.user();
        if (!action || action === 'list') {
          if (details) throw new InputError('/apikey lists your keys; /apikey new [name] creates one.');
          await ctx.reply(await keyList(ctx));
          return;
        }
        if (action === 'revoke') {
          if (!details) throw new InputError('Which key? /apikey revoke <key id>, e.g. /apikey revoke key_4k9x2m7qa1. /apikey lists them.');
          const k = await revokeApiKey(ctx.deps, { userId: user.id, keyId: details });
          await ctx.reply(await keyList(ctx, `✅ Revoked “${k.name}” (${k.id}): requests with it are refused from now on.`));
          return;
        }
        const created =
          action === 'new'
            ? await createApiKey(ctx.deps, { userId: user.id, kind: 'personal', name: details })
            : await createApiKey(ctx.deps, { userId: user.id, kind: 'license', ...parseLicenseArgs(details) });
        await ctx.reply(await createdKeyReply(ctx, created));
      },
    }),
  ],
  actions: [
    defineAction({
      name: 'apikey.revoke',
      data: z.object({ keyId: z.string().min(1).max(64) }),
      async run(ctx, { keyId }) {
        const k = await revokeApiKey(ctx.deps, { userId: (await ctx.user()).id, keyId });
        await ctx.update(await keyList(ctx, `✅ Revoked “${k.name}” (${k.id}): requests with it are refused from now on.`));
      },
    }),
  ],
};
