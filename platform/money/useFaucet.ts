import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Address } from 'viem';
import { testStablecoinAbi } from '../../contracts/bindings/index.ts';
import { DEV_CHAIN_ID } from '../chain/ensureDeployment.ts';
import { sendOnce, sendValueOnce } from '../chain/sendOnce.ts';
import { users } from '../db/schema.ts';
import { enforce } from '../limits/rateLimiter.ts';
import { NotDevChainError } from './errors.ts';
import type { MoneyDeps } from './types.ts';

/**
 * Dev chain only: mints test stablecoins and sends a little ETH to the user's custodial address, a
 * few times a day. Refused on any other chain (there is no faucet for real money).
 */
export async function useFaucet(deps: MoneyDeps, userId: number): Promise<{ address: Address; tokenUnits: bigint; ethWei: bigint }> {
  const { chain, settings } = deps;
  const token = chain.addresses.testStablecoin;
  if (chain.chainId !== DEV_CHAIN_ID || !token)
    throw new NotDevChainError(
      chain.chainId !== DEV_CHAIN_ID
        ? `There is no faucet on chain ${chain.chainId}: it only exists on the development chain. Use /deposit to add funds.`
        : 'This dev chain was deployed before the test stablecoin existed; start from a fresh CARAVAN_HOME to get the faucet.',
    );
  const [user] = await deps.db.select().from(users).where(eq(users.id, userId));
  const address = user!.custodialAddress as Address;
  await enforce(deps.limiter, { name: 'faucet', limit: settings.faucet.perDay, windowMs: 24 * 3600_000 }, userId, (n) => `use the faucet ${n} times a day`);
  const id = randomUUID();
  await sendOnce(deps, { key: `faucet:${userId}:${id}`, address: token, abi: testStablecoinAbi, functionName: 'mint', args: [address, settings.faucet.tokenUnits] });
  await sendValueOnce(deps, { key: `faucet:${userId}:${id}:eth`, to: address, value: settings.faucet.ethWei });
  return { address, tokenUnits: settings.faucet.tokenUnits, ethWei: settings.faucet.ethWei };
}
