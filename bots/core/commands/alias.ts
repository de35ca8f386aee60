import { createAliasLink } from '../../../governance/alias/createAliasLink.ts';
import { readAliasStatus } from '../../../governance/alias/readAliasStatus.ts';
import { revokeAlias } from '../../../governance/alias/revokeAlias.ts';
import { arg, defineCommand, type Feature } from '../registry.ts';
import { utcMinute } from '../../../platform/messages/format.ts';


/** The voting alias of people whose votes live in a linked wallet: authorise it (a wallet page), see it, revoke it. */
export const aliasFeature: Feature = {
  name: 'alias',
  title: 'Voting alias',
  commands: [
    defineCommand({
      name: 'alias',
      description: 'Let your linked wallet authorise chat votes for 30 days (a page), or revoke that',
      args: { action: arg.text<false>('revoke, or nothing', { required: false, max: 10 }) },
      personal: true,
      async run(ctx, { action }) {
        const deps = { db: ctx.deps.db, masterKey: ctx.deps.masterKey };
        const userId = (await ctx.user()).id;
        if (action?.trim().toLowerCase() === 'revoke') {
          await revokeAlias(deps, { userId });
          await ctx.reply({ text: '🛑 Your voting alias is revoked: the hub refuses votes it signs from now on. /alias authorises it again.', personal: true });
          return;
        }
        const status = await readAliasStatus(deps, { userId });
        if (!status.wallet) {
          await ctx.reply({ text: 'Your custodial key signs your votes: no alias is needed. (An alias is for votes held by a wallet linked with /link.)', personal: true });
          return;
        }
        const link = await createAliasLink({ ...deps, settings: ctx.deps.money.settings }, { userId });
        await ctx.reply({
          text: [
            status.validUntil
              ? `🗝 Your wallet ${status.wallet} lets ${status.alias} sign your votes until ${utcMinute(status.validUntil)}. To renew for 30 days from now, sign again: ${link.url}`
              : `🗝 To vote from the chat, your wallet ${status.wallet} signs once (no gas) to let ${status.alias}, a key the platform keeps for you, sign your governance votes for 30 days: ${link.url}`,
            'The page works once, for 15 minutes. /alias revoke ends the alias at once.',
          ].join('\n'),
          personal: true,
        });
      },
    }),
  ],
  actions: [],
};
