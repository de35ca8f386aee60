import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { CheckpointStoreError, InvalidRequestError } from '../errors.ts';

/**
 * Where checkpoints live. The platform implements it over encrypted blob storage; the engine
 * ships {@link createFsCheckpointStore} for tests and the CLI. `load` returns null when the key
 * has never been saved.
 */
export interface CheckpointStore {
  save(key: string, data: Uint8Array): Promise<void>;
  load(key: string): Promise<Uint8Array | null>;
}

const keyPattern = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Throws {@link InvalidRequestError} for keys that could escape a directory or are empty. */
export function assertCheckpointKey(key: string): void {
  if (!keyPattern.test(key) || key.split('/').some((p) => p === '..' || p === '.')) {
    throw new InvalidRequestError(`Invalid checkpoint key "${key}".`, {
      details: 'Keys are slash-separated segments of letters, digits, ".", "_" and "-".',
    });
  }
}

/**
 * A {@link CheckpointStore} over a directory. Writes are atomic (temp file + rename), so a crash
 * mid-save leaves the previous checkpoint intact.
 */
export function createFsCheckpointStore(params: { dir: string }): CheckpointStore {
  const root = resolve(params.dir);
  const pathOf = (key: string) => {
    assertCheckpointKey(key);
    const p = resolve(join(root, `${key}.ckpt`));
    if (!p.startsWith(root + sep)) throw new InvalidRequestError(`Invalid checkpoint key "${key}".`);
    return p;
  };
  return {
    async save(key, data) {
      const p = pathOf(key);
      try {
        await mkdir(dirname(p), { recursive: true });
        const tmp = `${p}.${process.pid}.${Date.now()}.tmp`;
        await writeFile(tmp, data);
        await rename(tmp, p);
      } catch (cause) {
        throw new CheckpointStoreError(`Could not save checkpoint "${key}".`, { cause });
      }
    },
    async load(key) {
      const p = pathOf(key);
      try {
        return new Uint8Array(await readFile(p));
      } catch (cause) {
        if ((cause as { code?: string }).code === 'ENOENT') return null;
        throw new CheckpointStoreError(`Could not read checkpoint "${key}".`, { cause });
      }
    },
  };
}
