import { z } from 'zod';
import { describeChain } from '../../platform/chain/describeChain.ts';
import type { V1Deps } from './createV1Router.ts';
import { defineRoute, type Route } from './route.ts';
import { address } from './schemas.ts';

const chainSchema = z
  .object({
    chainId: z.number().int().meta({ example: 31337 }),
    blockNumber: z.string().meta({ description: 'The latest block, as a decimal string.' }),
    confirmations: z.number().int().meta({ description: 'Blocks the platform waits before it treats a transaction as final.' }),
    contracts: z.record(z.string(), address).meta({ description: 'Contract addresses by name (assetRegistry, receipts, licenses, revenuePool, …).' }),
    currencies: z.array(z.object({ symbol: z.string(), address, decimals: z.number().int() })).meta({ description: 'Currencies licenses are sold in (ETH is the zero address).' }),
  })
  .meta({ id: 'Chain' });

/** `GET /v1/chain`. */
export function chainRoutes(deps: V1Deps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/chain',
      operationId: 'getChain',
      summary: 'The chain id, contract addresses and accepted currencies',
      tag: 'chain',
      auth: 'public',
      responses: { 200: { description: 'The chain this server writes to.', schema: chainSchema } },
      handle: async () => {
        const c = await describeChain(deps.money);
        return { ...c, blockNumber: c.blockNumber.toString() };
      },
    }),
  ];
}
