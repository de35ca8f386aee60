import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { DatasetRejectedError, formatBytes } from '../datasets/validateDataset.ts';
import type { FileFetcher, UploadSource } from '../datasets/uploadSource.ts';
import { InputError, NotFoundError, ServiceError } from '../errors.ts';
import { readCapped } from './readCapped.ts';

/** Staged files older than this that no unfinished upload refers to are removed at start. */
export const STAGED_MAX_AGE_MS = 60 * 60 * 1000;

export type StagingUpload = {
  /** Where the bytes are being written. */
  path: string;
  /** Resolves with the size once the whole stream is on disk; rejects (and removes the file) on error, abort or size cap. */
  done: Promise<{ path: string; bytes: number }>;
  /** Stops writing at once and removes the partial file; the rest of the source is read and discarded. */
  abort(reason?: Error): void;
};

/**
 * Writes an incoming stream to `<dir>/<uuid>`, stopping at `maxBytes` with
 * `DatasetRejectedError('too_large')`. Everything is wired before this returns, so an error the
 * stream emits at any moment (a truncated multipart body) is handled, never left to crash the
 * process. `dir` must exist (see `sweepStaging`).
 *
 * The source is never destroyed: when staging stops early (size cap, abort, a write error) it is
 * unpiped and the rest of it read and discarded, so whatever feeds it (busboy reading a form) can
 * read on to its end and answer. A caller that cannot afford to read an unbounded rest caps the
 * source itself (busboy's `fileSize` limit) or destroys it.
 */
export function beginStaging(dir: string, stream: Readable, maxBytes: number): StagingUpload {
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
  const out = fs.createWriteStream(file, { mode: 0o600 });
  const controller = new AbortController();
  // The source is piped in rather than given to `pipeline`, which would destroy it on failure.
  // An error it emits (a body cut short) still ends the staging.
  stream.on('error', (err) => cap.destroy(err));
  stream.pipe(cap);
  const done = pipeline(cap, out, { signal: controller.signal }).then(
    () => ({ path: file, bytes }),
    async (err: unknown) => {
      stream.unpipe(cap);
      stream.resume();
      await fsp.rm(file, { force: true });
      throw err;
    },
  );
  // The caller may never await `done` (an aborted request); its rejection is expected.
  done.catch(() => {});
  return {
    path: file,
    done,
    abort: (reason) => controller.abort(reason ?? new InputError('The upload was interrupted.')),
  };
}

/**
 * Prepares the staging directory at start: creates it, and removes files older than
 * `maxAgeMs` except those in `keep` (the sources of uploads not ingested yet). Returns how
 * many were removed.
 */
export async function sweepStaging(dir: string, params: { keep: ReadonlySet<string>; maxAgeMs?: number }): Promise<number> {
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const cutoff = Date.now() - (params.maxAgeMs ?? STAGED_MAX_AGE_MS);
  let removed = 0;
  for (const name of await fsp.readdir(dir)) {
    const file = path.join(dir, name);
    if (params.keep.has(path.resolve(file))) continue;
    const stat = await fsp.stat(file).catch(() => undefined);
    if (stat?.isFile() && stat.mtimeMs < cutoff) {
      await fsp.rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}

/** Reads staged uploads (files the web page or API received) from disk. */
export function createStagedFileFetcher(dir: string): FileFetcher {
  const root = path.resolve(dir);
  return async (source, options) => {
    if (source.kind !== 'staged') throw new InputError(`Cannot fetch a ${source.kind} upload from the staging area.`);
    const file = path.resolve(source.path);
    if (path.dirname(file) !== root) throw new InputError('Staged path outside the staging directory.');
    const stat = await fsp.stat(file).catch(() => undefined);
    if (!stat) throw new NotFoundError('The uploaded file is gone from the staging area (it was cleaned up); please upload it again.');
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
    // Another process (or this one after a restart with the bot's token) may be able to.
    if (!f) throw new ServiceError(`No fetcher for ${source.kind} uploads is configured in this process.`, { retryable: true });
    return f(source, options);
  };
}
