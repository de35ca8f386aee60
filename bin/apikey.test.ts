import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { hashApiToken } from '../platform/apikeys/apiToken.ts';
import { generateKey } from '../platform/crypto/aead.ts';
import { createDatabase, migrateDatabase, type Database } from '../platform/db/client.ts';
import { apiKeys } from '../platform/db/schema.ts';
import { ensureUser, type User } from '../platform/identity/ensureUser.ts';
import { createTestDatabase } from '../test/helpers/testRuntime.ts';

/** `caravan apikey …` run as an operator would, as a child process, against a database of its own. */
describe('caravan apikey', () => {
  let database: Database;
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl: string;
  let user: User;
  const telegramId = '424242424';
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-apikey-cli-'));
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    const created = await createTestDatabase();
    dropDatabase = created.drop;
    databaseUrl = created.url;
    database = createDatabase(databaseUrl, { max: 2 });
    await migrateDatabase(database.db);
    user = await ensureUser({ db: database.db, masterKey: generateKey() }, { platform: 'telegram', externalId: telegramId });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    await database?.close();
    await dropDatabase?.();
    fs.rmSync(home, { recursive: true, force: true });
  });

  function cli(args: string[]): Promise<{ code: number | null; out: string; stdout: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bin/caravan.ts', 'apikey', ...args], {
        cwd: path.resolve(import.meta.dirname, '..'),
        env: { ...process.env, DATABASE_URL: databaseUrl, CARAVAN_HOME: home, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(child);
      let out = '';
      let stdout = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        stdout += d.toString();
      });
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => {
        children.delete(child);
        resolve({ code, out, stdout });
      });
    });
  }

  it('creates a personal key for a chat account and prints the token once, storing only its hash', async () => {
    const r = await cli(['create', `telegram:${telegramId}`, '--name', 'ERP', 'integration']);
    expect(r.code, r.out).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^Created personal key key_[0-9a-z]{10} \\(“ERP integration”\\) for telegram:${telegramId}\\.`));
    const token = lines[1]!;
    expect(token).toMatch(/^cvn_p_[A-Za-z0-9_-]{43}$/);
    const [row] = await database.db.select().from(apiKeys).where(eq(apiKeys.tokenHash, hashApiToken(token)));
    expect(row).toMatchObject({ userId: user.id, kind: 'personal', name: 'ERP integration', revokedAt: null });
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('lists the keys of an account (never the tokens) and revokes one by its id, at once', async () => {
    const listed = await cli(['list', `telegram:${telegramId}`]);
    expect(listed.code, listed.out).toBe(0);
    const [row] = await database.db.select().from(apiKeys).where(eq(apiKeys.userId, user.id));
    expect(listed.stdout).toContain(`${row!.publicId}  personal  ${row!.prefix}…  “ERP integration”  never used`);
    expect(listed.stdout).not.toMatch(/cvn_p_[A-Za-z0-9_-]{43}/);

    const revoked = await cli(['revoke', row!.publicId]);
    expect(revoked.code, revoked.out).toBe(0);
    expect(revoked.stdout).toContain(`Revoked ${row!.publicId} (“ERP integration”)`);
    const [after] = await database.db.select().from(apiKeys).where(eq(apiKeys.id, row!.id));
    expect(after!.revokedAt).not.toBeNull();
    expect((await cli(['list', `telegram:${telegramId}`])).stdout).toContain(`telegram:${telegramId} has no API keys.`);

    const again = await cli(['revoke', row!.publicId]);
    expect(again.code).toBe(1);
    expect(again.out).toContain(`There is no key ${row!.publicId}.`);
  });

  it('refuses a person who never used the bot, and malformed input, with exit code 1 and nothing written', async () => {
    const before = (await database.db.select().from(apiKeys)).length;
    const stranger = await cli(['create', 'discord:803511102246789120']);
    expect(stranger.code).toBe(1);
    expect(stranger.out).toContain('discord:803511102246789120 has never used the bot');
    const badId = await cli(['create', 'telegram:abc']);
    expect(badId.code).toBe(1);
    expect(badId.out).toContain('“abc” is not a telegram user id.');
    expect(badId.out).toContain('caravan apikey create <transport>:<user id> [--name N]');
    const badFlag = await cli(['create', `telegram:${telegramId}`, '--label', 'x']);
    expect(badFlag.code).toBe(1);
    expect(badFlag.out).toContain('Unexpected “--label x”');
    const badSub = await cli(['rotate']);
    expect(badSub.code).toBe(1);
    expect(badSub.out).toContain('Unknown subcommand “rotate”');
    expect((await database.db.select().from(apiKeys)).length).toBe(before);
  });
});
