import { open, unwrapKey, type AesKey } from '../crypto/aead.ts';
import { NotFoundError } from '../errors.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import { datasetAad, type Dataset } from './ingestUpload.ts';

/** Decrypts a stored dataset back to the bytes that were uploaded. */
export async function readDataset(deps: { blobs: BlobStore; masterKey: AesKey }, dataset: Dataset): Promise<Buffer> {
  const sealed = await deps.blobs.get(dataset.storageKey);
  if (!sealed) throw new NotFoundError(`The stored file of dataset #${dataset.id} is missing.`);
  const key = unwrapKey(deps.masterKey, dataset.wrappedKey, `dataset:${dataset.sha256}`);
  return open(key, sealed, datasetAad(dataset.sha256));
}
