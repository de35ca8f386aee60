import { isAddressEqual } from 'viem';
import type { DbOrTx } from '../../../platform/db/client.ts';
import { hubSpaces } from '../../../platform/db/schema.ts';
import { refuse } from '../errors.ts';
import { readSpace } from '../readSpace.ts';
import { validateSpaceSettings } from '../validateSpaceSettings.ts';
import type { SpaceSettings, Writer } from '../types.ts';

type Checked = { id: string; settings: SpaceSettings; controller: string; exists: boolean };

/**
 * Space settings (Snapshot's `settings` writer): the space's controller, or one of its admins,
 * sets them; only the controller changes the admins. Snapshot finds the controller in ENS; this
 * hub keeps it on the space, and a space nobody has created belongs to `deps.defaultController`.
 */
export const settingsWriter: Writer<Checked> = {
  async verify(deps, ctx) {
    const id = String(ctx.message.space ?? '');
    if (id.length > 64) refuse('id too long');
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(ctx.message.settings));
    } catch {
      refuse('wrong space format');
    }
    const existing = await readSpace(deps, id);
    const settings = validateSpaceSettings(parsed, { chainId: deps.chain.chainId, deleted: existing?.deleted });
    const controller = existing?.controller ?? deps.defaultController;
    const signer = ctx.envelope.address;
    const isController = isAddressEqual(controller as `0x${string}`, signer);
    const admins = (existing?.settings.admins ?? []).map((a) => a.toLowerCase());
    const isAdmin = admins.includes(signer.toLowerCase());
    const newAdmins = (settings.admins ?? []).map((a) => a.toLowerCase());
    if (!isAdmin && !isController) refuse('not allowed');
    if (!isController && JSON.stringify(admins) !== JSON.stringify(newAdmins)) refuse('not allowed change admins');
    return { id: id.toLowerCase(), settings, controller, exists: existing !== undefined };
  },
  async write(tx: DbOrTx, _deps, ctx, c) {
    await tx
      .insert(hubSpaces)
      .values({ id: c.id, settings: c.settings, controller: c.controller, created: ctx.timestamp, updated: ctx.timestamp })
      .onConflictDoUpdate({ target: hubSpaces.id, set: { settings: c.settings, updated: ctx.timestamp } });
  },
};
