import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/loadConfig.ts';
import { createDatabase, migrateDatabase } from '../platform/db/client.ts';
import { loadMasterKey } from '../platform/crypto/masterKey.ts';
import { ConfigError, InputError, ServiceError } from '../platform/errors.ts';
import type { ChatPlatform } from '../platform/identity/ensureUser.ts';
import { appointValidator } from '../platform/review/appointValidator.ts';
import { dismissValidator } from '../platform/review/dismissValidator.ts';
import { listValidators } from '../platform/review/listValidators.ts';

export const VALIDATORS_USAGE = `caravan validators add|remove|list [<transport>:<user id>]

  add telegram:123456789        appoint the person behind a chat account (telegram, discord or web)
  remove discord:80351110224678912
  list
  (the user id: Telegram's numeric id, Discord's snowflake, or the web chat's id — /whoami shows it)
`;

const ID: Record<ChatPlatform, RegExp> = {
  telegram: /^\d{1,20}$/,
  discord: /^\d{15,21}$/,
  web: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

/** Reads `<transport>:<user id>` as a chat identity, or says what is wrong with it. */
export function parseIdentity(text: string | undefined): { platform: ChatPlatform; externalId: string } {
  const m = /^(telegram|discord|web):(.+)$/.exec(text?.trim() ?? '');
  if (!m) throw new InputError(`Expected <transport>:<user id>, like telegram:123456789 (got “${text ?? ''}”).`, { metaMessages: [VALIDATORS_USAGE] });
  const platform = m[1] as ChatPlatform;
  const externalId = platform === 'web' ? m[2]!.toLowerCase() : m[2]!;
  if (!ID[platform].test(externalId)) throw new InputError(`“${m[2]}” is not a ${platform} user id.`, { metaMessages: [VALIDATORS_USAGE] });
  return { platform, externalId };
}

/** The database the command talks to: DATABASE_URL, or the dev stack's embedded PostgreSQL. */
function databaseUrlOf(config: Config): string {
  return config.DATABASE_URL ?? `postgres://postgres:caravan@127.0.0.1:${config.EMBEDDED_PG_PORT}/caravan`;
}

/**
 * `caravan validators add|remove|list`: appoints and dismisses the people who review uploads
 * (the operator's job until governance takes it over). Prints one line per outcome.
 */
export async function validatorsCommand(config: Config, args: string[], out: (line: string) => void): Promise<void> {
  const [sub, who] = args;
  if (sub !== 'add' && sub !== 'remove' && sub !== 'list') throw new InputError(`Unknown subcommand “${sub ?? ''}”.`, { metaMessages: [VALIDATORS_USAGE] });
  const identity = sub === 'list' ? undefined : parseIdentity(who);
  const database = createDatabase(databaseUrlOf(config), { max: 2 });
  try {
    try {
      await migrateDatabase(database.db);
    } catch (cause) {
      if (config.DATABASE_URL) throw cause;
      throw new ServiceError('The dev stack’s database does not answer.', {
        cause,
        metaMessages: ['Start the stack first (npm start) in another terminal, or set DATABASE_URL.'],
      });
    }
    if (sub === 'list') {
      const rows = await listValidators(database);
      if (!rows.length) out('No validators are appointed: uploads are approved automatically.');
      for (const v of rows) out(`${v.platform}:${v.externalId}  since ${v.since.toISOString().slice(0, 10)}  (added by ${v.addedBy})`);
      return;
    }
    const label = `${identity!.platform}:${identity!.externalId}`;
    if (sub === 'add') {
      // A key made up here would encrypt the new account's key with something the stack never sees.
      if (!config.MASTER_KEY && !fs.existsSync(path.join(config.home, 'master.key')))
        throw new ConfigError(`No master key: ${config.home} has none and MASTER_KEY is not set.`, {
          metaMessages: ['Run this from the directory the stack runs in (or set CARAVAN_HOME), or set MASTER_KEY.'],
        });
      const masterKey = loadMasterKey({ masterKeyHex: config.MASTER_KEY, home: config.home });
      const { added } = await appointValidator({ db: database.db, masterKey }, { identity: identity!, addedBy: 'operator (cli)' });
      out(added ? `${label} is now a validator.` : `${label} was already a validator.`);
      return;
    }
    const removed = await dismissValidator(database, { identity: identity! });
    if (!removed) throw new ConfigError(`${label} is not a validator.`);
    out(`${label} is no longer a validator; their open review cards stop working.`);
  } finally {
    await database.close();
  }
}
