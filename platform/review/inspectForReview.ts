import { and, eq, isNotNull, ne } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { datasets } from '../db/schema.ts';
import type { AesKey } from '../crypto/aead.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import type { Dataset } from '../datasets/ingestUpload.ts';
import { readDataset } from '../datasets/readDataset.ts';
import { inspectDataset, type DatasetInspection } from '../datasets/inspectDataset.ts';
import { signatureFromBytes, signatureToBytes } from '../datasets/minhash.ts';

export type InspectForReviewDeps = { db: Db; blobs: BlobStore; masterKey: AesKey };

/**
 * Decrypts a dataset and inspects it for its validators: schema summary, a few sample rows with
 * personal data masked, and automatic findings (near-duplicates of other datasets, e-mail
 * addresses, phone and card numbers, empty and repeated rows). The summary, findings and MinHash
 * signature are stored; samples never are (they are plaintext of encrypted data) and are made
 * again for each card.
 */
export async function inspectForReview(deps: InspectForReviewDeps, dataset: Dataset): Promise<DatasetInspection> {
  const bytes = await readDataset(deps, dataset);
  const others = await deps.db
    .select({ publicId: datasets.publicId, minhash: datasets.minhash })
    .from(datasets)
    .where(and(ne(datasets.id, dataset.id), isNotNull(datasets.minhash), ne(datasets.status, 'rejected')));
  const inspection = inspectDataset(
    { format: dataset.format, bytes, columns: dataset.columns },
    { others: others.map((o) => ({ id: o.publicId, signature: signatureFromBytes(o.minhash!) })) },
  );
  if (!dataset.minhash)
    await deps.db
      .update(datasets)
      .set({ inspection: { summary: inspection.summary, findings: inspection.findings }, minhash: signatureToBytes(inspection.signature) })
      .where(eq(datasets.id, dataset.id));
  return inspection;
}
