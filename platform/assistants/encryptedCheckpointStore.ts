import type { CheckpointStore } from '../../engine/index.ts';
import { open, seal, type AesKey } from '../crypto/aead.ts';
import type { BlobStore } from '../storage/blobStore.ts';

/**
 * The engine's checkpoint storage over the platform's blob store, encrypted at rest with the
 * master key (AES-256-GCM, bound to the checkpoint's key). Models trained on private datasets
 * are as sensitive as the datasets.
 */
export function createEncryptedCheckpointStore(deps: { blobs: BlobStore; masterKey: AesKey }): CheckpointStore {
  const path = (key: string) => `checkpoints/${key.replaceAll('/', '__')}.enc`;
  const aad = (key: string) => `caravan:checkpoint:${key}`;
  return {
    async save(key, data) {
      await deps.blobs.put(path(key), seal(deps.masterKey, data, aad(key)));
    },
    async load(key) {
      const sealed = await deps.blobs.get(path(key));
      return sealed ? new Uint8Array(open(deps.masterKey, sealed, aad(key))) : null;
    },
  };
}
