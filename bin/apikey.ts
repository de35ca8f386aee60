import type { Config } from '../config/loadConfig.ts';
import { createApiKey } from '../platform/apikeys/createApiKey.ts';
import { listApiKeys } from '../platform/apikeys/listApiKeys.ts';
import { revokeApiKey } from '../platform/apikeys/revokeApiKey.ts';
import { createDatabase, migrateDatabase, type Database } from '../platform/db/client.ts';
import { InputError, NotFoundError, ServiceError } from '../platform/errors.ts';
import { findUserByIdentity } from '../platform/identity/findUserByIdentity.ts';
import { parseIdentity } from './validators.ts';

export const APIKEY_USAGE = `caravan apikey create <transport>:<user id> [--name N]
                                 create a personal API key for that person and print it (shown this once)
       caravan apikey list <transport>:<user id>
                                 their live keys (never the tokens)
       caravan apikey revoke <key id>
                                 revoke a key (key_…), at once
  (transport: telegram, discord or web; the user id is that platform's id — /whoami shows it.
   DATABASE_URL, or the running dev stack's)
`;

/** `<transport>:<user id>`, with this command's usage when it is wrong. */
function identityOf(text: string | undefined) {
  try {
    return parseIdentity(text);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(err.shortMessage, { metaMessages: [APIKEY_USAGE] });
    throw err;
  }
}

/** Reads `create`'s flags: `--name N` (the rest of the words up to the next flag). */
export function parseCreateFlags(args: string[]): { name?: string } {
  if (!args.length) return {};
  if (args[0] !== '--name' || args.length < 2) throw new InputError(`Unexpected “${args.join(' ')}”.`, { metaMessages: [APIKEY_USAGE] });
  return { name: args.slice(1).join(' ') };
}

/** The database the command talks to: DATABASE_URL, or the dev stack's embedded PostgreSQL. */
async function openDatabase(config: Config): Promise<Database> {
  const database = createDatabase(config.DATABASE_URL ?? `postgres://postgres:caravan@127.0.0.1:${config.EMBEDDED_PG_PORT}/caravan`, { max: 2 });
  try {
    await migrateDatabase(database.db);
    return database;
  } catch (cause) {
    await database.close();
    if (config.DATABASE_URL) throw cause;
    throw new ServiceError('The dev stack’s database does not answer.', {
      cause,
      metaMessages: ['Start the stack first (npm start) in another terminal, or set DATABASE_URL.'],
    });
  }
}

/**
 * `caravan apikey create|list|revoke`: the operator's way to give someone an API key (an enterprise
 * that never opens a chat still needs an account: the person uses the bot once) and to take one
 * back. Prints one line per outcome; the token of a new key is printed once, on a line of its own.
 */
export async function apikeyCommand(config: Config, args: string[], out: (line: string) => void): Promise<void> {
  const [sub, target, ...rest] = args;
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') throw new InputError(`Unknown subcommand “${sub ?? ''}”.`, { metaMessages: [APIKEY_USAGE] });
  if (sub !== 'create' && rest.length) throw new InputError(`Unexpected “${rest.join(' ')}”.`, { metaMessages: [APIKEY_USAGE] });
  if (sub === 'revoke' && !target) throw new InputError('Which key? caravan apikey revoke <key id> (caravan apikey list shows them).', { metaMessages: [APIKEY_USAGE] });
  const identity = sub === 'revoke' ? undefined : identityOf(target);
  const flags = sub === 'create' ? parseCreateFlags(rest) : {};
  const database = await openDatabase(config);
  try {
    if (sub === 'revoke') {
      const k = await revokeApiKey(database, { keyId: target!, asOperator: true });
      out(`Revoked ${k.id} (“${k.name}”): requests with it are refused from now on.`);
      return;
    }
    const label = `${identity!.platform}:${identity!.externalId}`;
    const user = await findUserByIdentity(database, identity!);
    if (!user) throw new NotFoundError(`${label} has never used the bot: there is no account to create a key for. Ask them to send /start first.`);
    if (sub === 'list') {
      const { keys } = await listApiKeys(database, { userId: user.id });
      if (!keys.length) out(`${label} has no API keys.`);
      for (const k of keys)
        out(
          `${k.id}  ${k.kind.padEnd(8)}  ${k.prefix}…  “${k.name}”${k.license ? `  license #${k.license.id} (${k.license.assistant.name}, ${k.license.assistant.id})` : ''}  ${
            k.lastUsedAt ? `last used ${k.lastUsedAt.toISOString().slice(0, 19)}Z` : 'never used'
          }  created ${k.createdAt.toISOString().slice(0, 10)}`,
        );
      return;
    }
    const k = await createApiKey(database, { userId: user.id, kind: 'personal', name: flags.name });
    out(`Created personal key ${k.id} (“${k.name}”) for ${label}. The key, shown this once (only its hash is kept):`);
    out(k.token);
  } finally {
    await database.close();
  }
}
