#!/usr/bin/env -S npx tsx
import fs from 'node:fs';
import { loadConfig, type Config } from '../config/loadConfig.ts';
import { BaseError, ConfigError } from '../platform/errors.ts';
import { createLogger, type Logger } from '../platform/log.ts';
import type { QueueName } from '../jobs/queues.ts';
import type { RuntimeEndpoints, RuntimeOptions } from './runtime.ts';
import { handleShutdown } from './shutdown.ts';

import { QUEUE_NAMES } from '../jobs/queueNames.ts';

// Commands import what they need when they run: `caravan validators` or `caravan help` must not
// wait for the engine, the bots and the chain clients to load.

const USAGE = `caravan <command>

  start              the dev stack: embedded PostgreSQL, Redis, anvil, then API, web chat, workers and bots
  api                the HTTP API only          (production: needs DATABASE_URL, REDIS_URL, RPC_URL)
  worker [queues…]   BullMQ workers (default: all of ${QUEUE_NAMES.join(', ')})
  bots               the Telegram / Discord bots whose tokens are set
  migrate            apply database migrations
  deploy             deploy the contracts to RPC_URL (once per chain)
  validators add|remove|list [<transport>:<user id>]
                     appoint or dismiss the people who review uploads (DATABASE_URL, or the running dev stack)
  tx list [--status sent] | tx retry <id> | tx cancel <id>
                     the transaction log: list it; send a stuck one again with higher fees, or cancel it
  apikey create|list <transport>:<user id> [--name N] | apikey revoke <key id>
                     API keys: create a personal key for someone (printed once), list theirs, revoke one
  dev fund <address> [--eth N] [--votes N]
                     the dev chain only: send test ETH (default 1) and governance tokens (default 1000 CVN)
  dev mine <blocks> [--time <duration>]
                     the dev chain only: move its clock forward and mine blocks (end a vote, a timelock delay)
`;

/**
 * The real services a production command runs against. The operator key is loaded only by commands that send as
 * the operator (`worker`, `deploy`): `api` and `bots` run without it when OPERATOR_PRIVATE_KEY is unset (their chain
 * client then only reads), and `migrate` never needs it.
 */
function configuredEndpoints(config: Config, operator: 'required' | 'optional' | 'none' = 'required'): RuntimeEndpoints {
  const needed = ['DATABASE_URL', 'REDIS_URL', 'RPC_URL', ...(operator === 'required' ? ['OPERATOR_PRIVATE_KEY'] : [])] as const;
  const missing = needed.filter((k) => !config[k as keyof Config]);
  if (missing.length)
    throw new ConfigError('This command runs against real services.', {
      metaMessages: [...missing.map((m) => `${m}: required`), 'For a local stack with everything embedded, run `npm start`.'],
    });
  const key = operator === 'none' ? undefined : config.OPERATOR_PRIVATE_KEY;
  return {
    databaseUrl: config.DATABASE_URL!,
    redisUrl: config.REDIS_URL!,
    rpcUrl: config.RPC_URL!,
    ...(key ? { operatorKey: (key.startsWith('0x') ? key : `0x${key}`) as `0x${string}` } : {}),
  };
}

/**
 * Starts the dev stack: claims CARAVAN_HOME (stack.json), starts the services under a watchdog
 * (they stop even if this process is killed outright), then the runtime. From the first step
 * on, Ctrl-C or a crash stops whatever has started so far.
 */
async function startStack(config: Config, log: Logger) {
  const [{ acquireStackLock }, { startWatchdog }, { startDevServices }, { startRuntime }] = await Promise.all([
    import('../platform/infra/stackLock.ts'),
    import('../platform/infra/watchdog.ts'),
    import('./devServices.ts'),
    import('./runtime.ts'),
  ]);
  const shutdown = handleShutdown(log);
  try {
    const lock = await acquireStackLock({ home: config.home, log });
    shutdown.defer(() => lock.release());
    const watchdog = startWatchdog();
    shutdown.defer(() => watchdog.close());
    log.info({ home: config.home }, 'starting the dev stack');
    const services = await startDevServices(config, log, { watchdog, onChild: (child) => lock.addChild(child) });
    shutdown.defer(() => services.stop());
    const runtime = await startRuntime(config, services.endpoints, log, { allowDeploy: true });
    shutdown.defer(() => runtime.stop());
    return { services, runtime };
  } catch (err) {
    // Ctrl-C (or a crash) during start-up: what failed was cut short by the stop, which exits
    // this process once done. That is no start-up error of its own.
    if (shutdown.requested) return new Promise<never>(() => {});
    await shutdown.stop();
    throw err;
  }
}

async function runProcess(config: Config, log: Logger, options: RuntimeOptions) {
  const { startRuntime } = await import('./runtime.ts');
  const shutdown = handleShutdown(log);
  // Workers send as the operator (mints, indexing's follow-ups, stuck transactions); the API and the bots need
  // the key only for the operator's sends they make themselves (gas top-ups, license terms).
  const sends = options.workers !== false;
  const runtime = await startRuntime(config, configuredEndpoints(config, sends ? 'required' : 'optional'), log, options);
  if (!sends && !config.OPERATOR_PRIVATE_KEY) log.info('no OPERATOR_PRIVATE_KEY: this process reads the chain and never sends as the operator');
  shutdown.defer(() => runtime.stop());
  if (runtime.url) log.info(`listening on ${runtime.url}`);
}

async function main(argv: string[]) {
  const [command = 'start', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  const config = loadConfig(process.env);
  const log = createLogger({ level: config.LOG_LEVEL });

  switch (command) {
    case 'start': {
      fs.mkdirSync(config.home, { recursive: true });
      const t0 = Date.now();
      const { services, runtime } = await startStack(config, log);
      const report = await runtime.status();
      const lines = [
        '',
        `Caravan is up in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
        '',
        ...services.describe.map((d) => `  ${d}`),
        `  Contracts   AssetRegistry ${runtime.chain.addresses.assetRegistry}`,
        `              Receipts      ${runtime.chain.addresses.receipts}`,
        '',
        `  Health      ${runtime.url}/health`,
        report.checks.webchat?.detail.startsWith('http') ? `  Web chat    ${runtime.url}/chat   ← try it: send /start, then a .csv file` : '',
        `  REST API    ${runtime.url}/v1   reference: ${runtime.url}/docs   (a key: /apikey new in the chat)`,
        `  Telegram    ${report.checks.telegram?.detail}`,
        '',
        'Press Ctrl-C to stop.',
        '',
      ];
      process.stdout.write(lines.join('\n'));
      return;
    }
    case 'api':
      return runProcess(config, log, { api: true, workers: false, bots: false, allowDeploy: false });
    case 'worker': {
      const unknown = rest.filter((q) => !(QUEUE_NAMES as readonly string[]).includes(q));
      if (unknown.length) throw new ConfigError(`Unknown queue(s): ${unknown.join(', ')}. Known: ${QUEUE_NAMES.join(', ')}.`);
      const names = rest.length ? (rest as QueueName[]) : true;
      return runProcess(config, log, { api: false, workers: names, bots: false, allowDeploy: false });
    }
    case 'bots':
      return runProcess(config, log, { api: false, workers: false, bots: true, allowDeploy: false });
    case 'migrate': {
      const { createDatabase, migrateDatabase } = await import('../platform/db/client.ts');
      const database = createDatabase(configuredEndpoints(config, 'none').databaseUrl);
      await migrateDatabase(database.db);
      await database.close();
      log.info('migrations applied');
      return;
    }
    case 'deploy': {
      const [{ createDatabase, migrateDatabase }, { connectChain }, { ensureDeployment }, { foundationFor }, { governanceFrom }] = await Promise.all([
        import('../platform/db/client.ts'),
        import('../platform/chain/clients.ts'),
        import('../platform/chain/ensureDeployment.ts'),
        import('../config/foundationFor.ts'),
        import('../config/governanceFrom.ts'),
      ]);
      const endpoints = configuredEndpoints(config);
      const database = createDatabase(endpoints.databaseUrl);
      await migrateDatabase(database.db);
      const chain = await connectChain({ rpcUrl: endpoints.rpcUrl, operatorKey: endpoints.operatorKey });
      const { addresses, deployed } = await ensureDeployment({ db: database.db, log }, chain, {
        configured: undefined,
        allowDeploy: true,
        foundation: foundationFor(config, chain.chainId),
        governance: governanceFrom(config),
      });
      await database.close();
      process.stdout.write(`${deployed ? 'deployed' : 'already deployed'}: ${JSON.stringify(addresses)}\n`);
      return;
    }
    case 'validators': {
      const { validatorsCommand } = await import('./validators.ts');
      return validatorsCommand(config, rest, (line) => process.stdout.write(`${line}\n`));
    }
    case 'tx': {
      const { txCommand } = await import('./tx.ts');
      return txCommand(config, rest, (line) => process.stdout.write(`${line}\n`));
    }
    case 'apikey': {
      const { apikeyCommand } = await import('./apikey.ts');
      return apikeyCommand(config, rest, (line) => process.stdout.write(`${line}\n`));
    }
    case 'dev': {
      const { devCommand } = await import('./devFund.ts');
      return devCommand(config, rest, (line) => process.stdout.write(`${line}\n`));
    }
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof BaseError) process.stderr.write(`\n✖ ${err.message}\n\n`);
  else process.stderr.write(`\n✖ ${(err as Error)?.stack ?? String(err)}\n\n`);
  process.exit(1);
});
