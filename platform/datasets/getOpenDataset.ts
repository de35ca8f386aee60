import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assets, datasets } from '../db/schema.ts';
import { parsePublicId } from '../ids.ts';
import { NotFoundError } from '../errors.ts';

/** The public card of an open, accepted dataset: what someone deciding to build on it needs. */
export type OpenDatasetCard = {
  id: string;
  name: string;
  format: string;
  rows: number;
  bytes: number;
  columns: string[] | null;
  /** sha256 of the content, hex (the on-chain asset's content hash). */
  sha256: string;
  access: 'open';
  status: 'approved';
  chainAssetId: bigint | null;
  createdAt: Date;
};

/**
 * The card of a dataset anyone may see: open and approved. Private, pending and rejected
 * datasets are answered as unknown (404, never 403), so their ids reveal nothing.
 */
export async function getOpenDataset(deps: { db: Db }, idText: string): Promise<OpenDatasetCard> {
  const publicId = parsePublicId('ds', idText);
  const notFound = () => new NotFoundError(`There is no open dataset ${idText.slice(0, 40)}.`);
  if (!publicId) throw notFound();
  const [row] = await deps.db
    .select({ d: datasets, chainAssetId: assets.chainAssetId })
    .from(datasets)
    .leftJoin(assets, eq(assets.datasetId, datasets.id))
    .where(and(eq(datasets.publicId, publicId), eq(datasets.access, 'open'), eq(datasets.status, 'approved')));
  if (!row) throw notFound();
  const d = row.d;
  return {
    id: d.publicId,
    name: d.name,
    format: d.format,
    rows: d.rows,
    bytes: d.bytes,
    columns: d.columns,
    sha256: d.sha256,
    access: 'open',
    status: 'approved',
    chainAssetId: row.chainAssetId,
    createdAt: d.createdAt,
  };
}
