import { arg, defineCommand, usageOf, type Feature } from '../registry.ts';
import { helpText } from '../createChatCore.ts';

/** What Caravan is, in the words every transport shows before its commands. */
export const INTRO = [
  'Caravan — own the AI you help create.',
  '',
  '📤 Send a file (.csv, .jsonl, .txt or .md) to contribute a dataset. Once validators accept it you get an on-chain receipt that carries your share of it.',
  '',
  '🤖 /newassistant builds an AI assistant from datasets — no code: a short form, then it is trained and served, answering with cited sources.',
].join('\n');

/**
 * Start, help, who-am-I and status. `/help` is generated from the registry (`features` is
 * read when it runs, so it lists every feature's commands).
 */
export function startFeature(features: () => readonly Feature[]): Feature {
  const help = () => helpText(features(), INTRO);
  return {
    name: 'start',
    title: 'Basics',
    actions: [],
    commands: [
      defineCommand({
        name: 'start',
        description: 'Start here: what Caravan does and how to use it',
        args: {},
        quiet: true,
        async run(ctx) {
          await ctx.user();
          const name = ctx.conv.identity.displayName;
          await ctx.reply(`👋 Welcome${name ? `, ${name}` : ''}!\n\n${help()}`);
        },
      }),
      defineCommand({
        name: 'help',
        description: 'Every command; /help <command> says what one does',
        args: { command: arg.word<false>('A command, to say what it does', { required: false }) },
        quiet: true,
        async run(ctx, { command }) {
          if (!command) return void (await ctx.reply(help()));
          const name = command.replace(/^\//, '').toLowerCase();
          const found = features().flatMap((f) => f.commands).find((c) => c.name === name);
          await ctx.reply(found ? `${usageOf(found)} — ${found.description}` : `There is no /${name}. /help lists every command.`);
        },
      }),
      defineCommand({
        name: 'whoami',
        description: 'Your Caravan account: the id an operator appoints, your address',
        args: {},
        personal: true,
        async run(ctx) {
          const user = await ctx.user();
          const id = `${ctx.conv.identity.platform}:${ctx.conv.identity.externalId}`;
          await ctx.reply(
            [
              `🪪 You are ${id}.`,
              `Receipts go to ${user.walletAddress ?? user.custodialAddress}${user.walletAddress ? ' (your linked wallet)' : ' (an address Caravan keeps for you until you link a wallet)'}.`,
              `To make you a validator, an operator runs: caravan validators add ${id}`,
            ].join('\n'),
          );
        },
      }),
      defineCommand({
        name: 'status',
        description: 'What the platform is running, and whether it is healthy',
        args: {},
        quiet: true,
        async run(ctx) {
          const report = await ctx.deps.status();
          const lines = [report.ok ? '🟢 All systems up' : '🟠 Some systems are down'];
          for (const [name, c] of Object.entries(report.checks)) lines.push(`${c.ok ? '✅' : '❌'} ${name}: ${c.detail}`);
          await ctx.reply(lines.join('\n'));
        },
      }),
    ],
  };
}
