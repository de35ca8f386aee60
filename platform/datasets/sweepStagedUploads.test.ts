import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase } from '../../test/helpers/testRuntime.ts';
import type { Database } from '../db/client.ts';
import { generateKey } from '../crypto/aead.ts';
import { ensureUser } from '../identity/ensureUser.ts';
import { createUpload } from './createUpload.ts';
import { sweepStagedUploads } from './sweepStagedUploads.ts';

/** At start, staged files older than an hour go — except those an upload still waiting to be ingested refers to. */
describe('sweepStagedUploads', () => {
  let database: Database;
  let close: () => Promise<void>;
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-sweep-')), 'incoming');

  beforeAll(async () => {
    ({ database, close } = await createMigratedTestDatabase());
  });
  afterAll(async () => {
    await close?.();
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('removes old orphans, keeps recent files and the sources of queued uploads, and creates the directory', async () => {
    expect(await sweepStagedUploads(database, { dir })).toBe(0);
    expect(fs.existsSync(dir)).toBe(true);
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    const file = (name: string, old: boolean) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, 'a,b\n1,2\n');
      if (old) fs.utimesSync(p, twoHoursAgo, twoHoursAgo);
      return p;
    };
    file('orphan-old', true);
    file('recent', false);
    const queued = file('queued-old', true);
    const user = await ensureUser({ db: database.db, masterKey: generateKey() }, { platform: 'web', externalId: 'sweeper' });
    await createUpload(database, { userId: user.id, fileName: 'q.csv', source: { kind: 'staged', path: queued }, replyTarget: { transport: 'web', chatId: 'c' } });

    expect(await sweepStagedUploads(database, { dir })).toBe(1);
    expect(fs.readdirSync(dir).sort()).toEqual(['queued-old', 'recent']);
  });
});
