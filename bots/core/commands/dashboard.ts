import { createDashboardLink, DASHBOARD_TTL_MS } from '../../../platform/dashboard/createDashboardLink.ts';
import { defineCommand, type Feature } from '../registry.ts';

const minutes = Math.round(DASHBOARD_TTL_MS / 60_000);

/** The web pages: a personal dashboard (`/me`) and the public marketplace (`/market`). */
export const dashboardFeature: Feature = {
  name: 'dashboard',
  title: 'Dashboard',
  commands: [
    defineCommand({
      name: 'me',
      description: 'Your dashboard: balances, earnings, receipts, licenses and assistants',
      args: {},
      personal: true,
      async run(ctx) {
        const user = await ctx.user();
        const { url } = await createDashboardLink(ctx.deps.money, { userId: user.id });
        await ctx.reply({
          text: [
            '📊 Your dashboard: balances, earnings, receipts, licenses, your assistants and your inbox, with amounts and shares read from the chain.',
            `The link works for ${minutes} minutes, and you can reload the page as often as you like until then. Do not share it: whoever has it sees your dashboard. /me gives a new one.`,
          ].join('\n'),
          personal: true,
          rows: [{ buttons: [{ kind: 'link', label: 'Open your dashboard', url }] }],
        });
      },
    }),
    defineCommand({
      name: 'market',
      description: 'The marketplace: public assistants, their prices and lineage, open datasets',
      args: {},
      quiet: true,
      async run(ctx) {
        await ctx.reply({
          text: '🛍 The marketplace lists the public assistants with their license prices, the datasets each was trained on and where a payment goes, and the open datasets anyone may build on.',
          rows: [{ buttons: [{ kind: 'link', label: 'Open the marketplace', url: `${ctx.deps.money.settings.publicUrl}/market` }] }],
        });
      },
    }),
  ],
  actions: [],
};
