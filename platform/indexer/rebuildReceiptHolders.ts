import { sql } from 'drizzle-orm';
import type { Tx } from './types.ts';

/**
 * Rebuilds `chain_receipt_holders` of `chainId` from the recorded `ReceiptIssued` events, each
 * receipt then moved to the `to` of its last recorded `ReceiptRebound`. Used after a reorg deleted
 * events: the holders must be what the remaining events say.
 */
export async function rebuildReceiptHolders(tx: Tx, chainId: number): Promise<void> {
  await tx.execute(sql`delete from chain_receipt_holders where chain_id = ${chainId}`);
  await tx.execute(sql`
    insert into chain_receipt_holders (chain_id, receipt_id, asset_id, holder, shares)
    select chain_id, (args->>'receiptId')::numeric, (args->>'assetId')::numeric, args->>'holder', (args->>'shares')::numeric
    from chain_events
    where chain_id = ${chainId} and contract = 'receipts' and name = 'ReceiptIssued'
    on conflict do nothing`);
  await tx.execute(sql`
    update chain_receipt_holders h set holder = r.to
    from (
      select distinct on (args->>'receiptId') (args->>'receiptId')::numeric as receipt_id, args->>'to' as to
      from chain_events
      where chain_id = ${chainId} and contract = 'receipts' and name = 'ReceiptRebound'
      order by args->>'receiptId', block_number desc, log_index desc
    ) r
    where h.chain_id = ${chainId} and h.receipt_id = r.receipt_id`);
}
