import { snapshotjs as snapshot } from '../../snapshotjs.ts';
import type { DbOrTx } from '../../../platform/db/client.ts';
import { hubAliases } from '../../../platform/db/schema.ts';
import { refuse } from '../errors.ts';
import type { Writer } from '../types.ts';

/** `from` lets `alias` sign some messages for it for 30 days (Snapshot's `alias` writer). */
export const aliasWriter: Writer<{ alias: string }> = {
  async verify(_deps, ctx) {
    const payload = { alias: ctx.message.alias };
    if (snapshot.utils.validateSchema(snapshot.schemas.alias, payload) !== true) refuse('wrong alias format');
    if (ctx.from === payload.alias) refuse('alias cannot be the same as the address');
    return { alias: payload.alias as string };
  },
  async write(tx: DbOrTx, _deps, ctx, { alias }) {
    await tx.insert(hubAliases).values({ id: ctx.id, ipfs: ctx.ipfs, address: ctx.from, alias, created: ctx.timestamp });
  },
};
