import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GrammyError, type Api } from 'grammy';
import { DatasetRejectedError } from '../../platform/datasets/validateDataset.ts';
import type { FileFetcher } from '../../platform/datasets/uploadSource.ts';
import { readCapped } from '../../platform/storage/readCapped.ts';
import { BaseError } from '../../platform/errors.ts';

/** Downloading a file from Telegram failed for a reason that may pass (network, server). */
export class TelegramDownloadError extends BaseError {
  override name = 'TelegramDownloadError' as const;
}

/**
 * Fetches Telegram uploads: `getFile`, then the file URL (or the local path a local Bot API
 * server returns), streamed with a size cap.
 */
export function createTelegramFileFetcher(params: { api: Api; token: string; apiRoot: string }): FileFetcher {
  return async (source, options) => {
    if (source.kind !== 'telegram') throw new TelegramDownloadError(`Cannot fetch a ${source.kind} upload from Telegram.`);
    let file;
    try {
      file = await params.api.getFile(source.fileId);
    } catch (err) {
      if (err instanceof GrammyError && /too big/i.test(err.description))
        throw new DatasetRejectedError('too_large', 'The file is too large for bots to download from Telegram (20 MB).');
      throw new TelegramDownloadError('Could not look up the file on Telegram.', {
        cause: err,
        retryable: !(err instanceof GrammyError && err.error_code === 400),
      });
    }
    if (!file.file_path) throw new TelegramDownloadError('Telegram returned no path for the file.', { retryable: true });
    if (file.file_size !== undefined && file.file_size > options.maxBytes)
      throw new DatasetRejectedError('too_large', `The file is too large: more than the ${options.maxBytes} byte limit.`);

    if (path.isAbsolute(file.file_path))
      return readCapped(fs.createReadStream(file.file_path), { maxBytes: options.maxBytes, total: file.file_size, onProgress: options.onProgress });

    const url = `${params.apiRoot.replace(/\/$/, '')}/file/bot${params.token}/${file.file_path}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
    } catch (cause) {
      throw new TelegramDownloadError('Downloading the file from Telegram failed.', { cause, retryable: true });
    }
    if (!res.ok || !res.body)
      throw new TelegramDownloadError(`Telegram answered ${res.status} for the file download.`, { retryable: res.status >= 500 });
    const total = Number(res.headers.get('content-length')) || file.file_size;
    return readCapped(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), {
      maxBytes: options.maxBytes,
      total,
      onProgress: options.onProgress,
    });
  };
}
