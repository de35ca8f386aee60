import { licensesAbi } from '../../contracts/bindings/index.ts';
import type { ChainDeps } from '../chain/clients.ts';
import type { Db } from '../db/client.ts';
import { listTerms, type LicenseTermsRow } from './listTerms.ts';

/** One license on sale, with the price the chain asks now. */
export type LicenseQuote = { terms: LicenseTermsRow; chainTermsId: bigint; price: bigint; currency: `0x${string}` };

/**
 * The licenses an assistant sells now, each with its price read from `Licenses.termsOf` (what a
 * purchase would pay), so a card never shows a price the chain does not ask. Terms not yet on-chain
 * (the assistant is still being registered) and retired ones are left out.
 */
export async function quoteLicenses(deps: { db: Db; chain: ChainDeps }, assistantId: number): Promise<LicenseQuote[]> {
  const rows = (await listTerms(deps, assistantId)).filter((t) => t.chainTermsId !== null);
  const quotes: LicenseQuote[] = [];
  for (const terms of rows) {
    const onChain = await deps.chain.publicClient.readContract({
      address: deps.chain.addresses.licenses!,
      abi: licensesAbi,
      functionName: 'termsOf',
      args: [terms.chainTermsId!],
    });
    if (!onChain.active) continue;
    quotes.push({ terms, chainTermsId: terms.chainTermsId!, price: onChain.price, currency: onChain.currency });
  }
  return quotes;
}
