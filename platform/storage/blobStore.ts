import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { InputError } from '../errors.ts';

/** Where encrypted blobs live. The filesystem store serves dev and single-node installs. */
export type BlobStore = {
  /** Writes atomically: readers see the old blob or the whole new one, never a part. */
  put(key: string, data: Uint8Array): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
};

/** A `BlobStore` over a directory; keys are relative paths like `datasets/abc.enc`. */
export function createFsBlobStore(root: string): BlobStore {
  const resolve = (key: string) => {
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) || key.split('/').some((p) => p === '..' || p === '.'))
      throw new InputError(`Invalid storage key "${key}".`);
    return path.join(root, key);
  };
  return {
    async put(key, data) {
      const file = resolve(key);
      await fs.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${crypto.randomBytes(6).toString('hex')}.tmp`;
      const handle = await fs.open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, file);
    },
    async get(key) {
      try {
        return await fs.readFile(resolve(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async delete(key) {
      await fs.rm(resolve(key), { force: true });
    },
  };
}
