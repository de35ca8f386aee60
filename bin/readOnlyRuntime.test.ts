import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { receiptsAbi } from '../contracts/bindings/index.ts';
import { createLogger } from '../platform/log.ts';
import { readOnlyOperator } from '../platform/chain/clients.ts';
import { sendOnce, sendValueOnce } from '../platform/chain/sendOnce.ts';
import { ConfigError } from '../platform/errors.ts';
import { startTestRuntime, type TestRuntime } from '../test/helpers/testRuntime.ts';
import { startRuntime, type Runtime } from './runtime.ts';

/** `caravan api` / `caravan bots` without OPERATOR_PRIVATE_KEY: the process reads the chain and never signs as the operator. */
describe('a runtime without the operator key', () => {
  let full: TestRuntime;
  let keyless: Runtime;

  beforeAll(async () => {
    // A full stack deploys the contracts and records them; the keyless API process then finds them in the database.
    full = await startTestRuntime({ ENGINE: '0', WEB_CHAT: '0' }, { api: false, workers: false, bots: false });
    const { redisUrl, rpcUrl } = inject('services');
    keyless = await startRuntime(full.config, { databaseUrl: full.databaseUrl, redisUrl, rpcUrl }, createLogger({ level: 'silent', pretty: false }), {
      api: true,
      workers: false,
      bots: false,
      allowDeploy: false,
    });
  }, 120_000);
  afterAll(async () => {
    await keyless?.stop();
    await full?.close();
  });

  it('serves the API and reads the chain', async () => {
    expect(keyless.chain.account).toBe(readOnlyOperator);
    const health = await fetch(`${keyless.url}/health`);
    expect(health.status).toBe(200);
    expect(await keyless.chain.publicClient.readContract({ address: keyless.chain.addresses.receipts, abi: receiptsAbi, functionName: 'registry' })).toBe(
      keyless.chain.addresses.assetRegistry,
    );
  });

  it('refuses to send as the operator, saying why, and stores nothing', async () => {
    const deps = { db: keyless.database.db, chain: keyless.chain };
    await expect(sendValueOnce(deps, { key: 'keyless:transfer', to: keyless.chain.addresses.receipts, value: 1n })).rejects.toThrow(ConfigError);
    await expect(
      sendOnce(deps, { key: 'keyless:call', address: keyless.chain.addresses.receipts, abi: receiptsAbi, functionName: 'setShareObserver', args: [keyless.chain.addresses.receipts] }),
    ).rejects.toThrow(/runs without the operator key \(OPERATOR_PRIVATE_KEY\)/);
    await expect(keyless.chain.walletClient.signMessage({ message: 'x' })).rejects.toThrow(ConfigError);
  });
});
