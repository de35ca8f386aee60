import { z } from 'zod';
import { createLinkToken } from '../../../platform/wallets/createLinkToken.ts';
import { listHeldReceipts } from '../../../platform/wallets/listHeldReceipts.ts';
import { unlinkWallet } from '../../../platform/wallets/unlinkWallet.ts';
import { defineAction, defineCommand, type Feature } from '../registry.ts';

/** How long the wallet page's link works. */
export const LINK_TTL_MS = 15 * 60_000;

const receiptsWord = (n: number) => `${n} receipt${n === 1 ? '' : 's'}`;

/** Linking a browser wallet (`/link`, through the wallet page) and unlinking it (`/unlink`). */
export const walletLinkFeature: Feature = {
  name: 'wallet',
  title: 'Wallet',
  commands: [
    defineCommand({
      name: 'link',
      description: 'Link a wallet you own: your receipts go to it',
      args: {},
      personal: true,
      async run(ctx) {
        const user = await ctx.user();
        const waiting = (await listHeldReceipts(ctx.deps, { userId: user.id, holder: user.custodialAddress })).length;
        const { url } = await createLinkToken(ctx.deps.money, { userId: user.id, purpose: 'link', ttlMs: LINK_TTL_MS });
        const lines = [
          user.walletAddress
            ? `🔗 Your wallet ${user.walletAddress} is linked. Open the page with that same wallet to move receipts still held at the address Caravan keeps for you; to link another wallet, send /unlink first.`
            : '🔗 Link a browser wallet you own to your Caravan account.',
          '',
          'On the page:',
          '1. Your wallet signs a sign-in message (Sign-In with Ethereum). It is free and sends no transaction. From then on, receipts Caravan issues to you go to that wallet.',
          waiting
            ? `2. Caravan holds ${receiptsWord(waiting)} for you at ${user.custodialAddress}. Your wallet signs its consent to receive them, and Caravan sends the transaction that moves them (Caravan pays the gas).`
            : '2. No receipts wait at the address Caravan keeps for you, so there is nothing to move.',
          '',
          'The link works once, for 15 minutes. Do not share it: whoever opens it can link their wallet to your account.',
        ];
        await ctx.reply({ text: lines.join('\n'), rows: [{ buttons: [{ kind: 'link', label: 'Open the wallet page', url }] }] });
      },
    }),
    defineCommand({
      name: 'unlink',
      description: 'Unlink your wallet: new receipts go to the address Caravan keeps for you',
      args: {},
      personal: true,
      async run(ctx) {
        const user = await ctx.user();
        if (!user.walletAddress) {
          await ctx.reply('No wallet is linked to your account. /link links one.');
          return;
        }
        const kept = (await listHeldReceipts(ctx.deps, { userId: user.id, holder: user.walletAddress })).length;
        await ctx.reply({
          text: [
            `Unlink ${user.walletAddress}?`,
            `Receipts Caravan issues to you afterwards go to the address it keeps for you (${user.custodialAddress}).`,
            kept
              ? `The ${receiptsWord(kept)} already at ${user.walletAddress} stay there: Caravan cannot move them back, only that wallet can move them.`
              : `No receipts of yours are at ${user.walletAddress}.`,
          ].join('\n'),
          rows: [
            {
              buttons: [
                {
                  kind: 'button',
                  label: 'Unlink the wallet',
                  style: 'danger',
                  id: await ctx.control('wallet.unlink', { address: user.walletAddress }, { once: true, ttlMs: LINK_TTL_MS }),
                },
              ],
            },
          ],
        });
      },
    }),
  ],
  actions: [
    defineAction({
      name: 'wallet.unlink',
      data: z.object({ address: z.string().min(1).max(64) }),
      async run(ctx, { address }) {
        const done = await unlinkWallet(ctx.deps, { userId: (await ctx.user()).id, expected: address });
        await ctx.update({
          text: [
            `✅ ${done.address} is unlinked. Receipts Caravan issues to you from now on go to the address it keeps for you.`,
            done.receiptsKept
              ? `The ${receiptsWord(done.receiptsKept)} already at ${done.address} stay with that wallet.`
              : `No receipts of yours are at ${done.address}.`,
            '/link links a wallet again.',
          ].join('\n'),
          personal: true,
        });
      },
    }),
  ],
};
