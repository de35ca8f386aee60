import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.ts';
import { hubSpaces } from '../../platform/db/schema.ts';
import type { SpaceRow, SpaceSettings } from './types.ts';

/** A space by id (ids are stored lowercase, as Snapshot does), deleted ones included; undefined when unknown. */
export async function readSpace(deps: { db: DbOrTx }, id: string): Promise<SpaceRow | undefined> {
  const [row] = await deps.db.select().from(hubSpaces).where(eq(hubSpaces.id, id.toLowerCase()));
  return row ? { id: row.id, settings: row.settings as SpaceSettings, controller: row.controller, deleted: row.deleted } : undefined;
}
