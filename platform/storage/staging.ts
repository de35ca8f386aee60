import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { DatasetRejectedError, formatBytes } from '../datasets/validateDataset.ts';
import type { FileFetcher, UploadSource } from '../datasets/uploadSource.ts';
import { readCapped } from './readCapped.ts';

/**
 * Writes an incoming stream to `<dir>/<uuid>`, stopping at `maxBytes` (the partial file is
 * removed and `DatasetRejectedError('too_large')` thrown). Returns the path and size.
 */
export async function stageStream(dir: string, stream: Readable, maxBytes: number): Promise<{ path: string; bytes: number }> {
  await fsp.mkdir(dir, { recursive: true });
  const file = path.join(dir, crypto.randomUUID());
  let bytes = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > maxBytes)
        cb(new DatasetRejectedError('too_large', `The file is too large: more than ${formatBytes(maxBytes)} (the limit).`));
      else cb(null, chunk);
    },
  });
  try {
    await pipeline(stream, cap, fs.createWriteStream(file, { mode: 0o600 }));
  } catch (err) {
    await fsp.rm(file, { force: true });
    stream.resume();
    throw err;
  }
  return { path: file, bytes };
}

/** Reads staged uploads (files the web page or API received) from disk. */
export function createStagedFileFetcher(dir: string): FileFetcher {
  const root = path.resolve(dir);
  return async (source, options) => {
    if (source.kind !== 'staged') throw new Error(`Cannot fetch a ${source.kind} upload from the staging area.`);
    const file = path.resolve(source.path);
    if (path.dirname(file) !== root) throw new Error('Staged path outside the staging directory.');
    const stat = await fsp.stat(file);
    return readCapped(fs.createReadStream(file), { maxBytes: options.maxBytes, total: stat.size, onProgress: options.onProgress });
  };
}

/** Deletes a staged upload once its ingest has a final result. */
export async function releaseStaged(source: UploadSource): Promise<void> {
  if (source.kind === 'staged') await fsp.rm(source.path, { force: true });
}

/** Picks the fetcher for each source kind. */
export function routeFetchers(fetchers: Partial<Record<UploadSource['kind'], FileFetcher>>): FileFetcher {
  return (source, options) => {
    const f = fetchers[source.kind];
    if (!f) throw new Error(`No fetcher for ${source.kind} uploads is configured.`);
    return f(source, options);
  };
}
