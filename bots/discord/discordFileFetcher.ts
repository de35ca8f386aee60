import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type { FileFetcher } from '../../platform/datasets/uploadSource.ts';
import { DatasetRejectedError, formatBytes } from '../../platform/datasets/validateDataset.ts';
import { readCapped } from '../../platform/storage/readCapped.ts';
import { DiscordDownloadError } from './errors.ts';

/** Where Discord serves attachments. */
export const DISCORD_CDN_ORIGINS = ['https://cdn.discordapp.com', 'https://media.discordapp.net'] as const;

/**
 * Fetches Discord attachments with a size cap. An upload source is only a URL, so the fetcher
 * downloads from Discord's CDN or from the origin of a configured `apiRoot` (a proxy, or the
 * local fake in tests) and nowhere else: the bot must not become a way to make the server fetch
 * arbitrary URLs. Redirects are refused for the same reason.
 */
export function createDiscordFileFetcher(params: { apiRoot?: string | undefined } = {}): FileFetcher {
  const allowed = new Set<string>(DISCORD_CDN_ORIGINS);
  if (params.apiRoot) allowed.add(new URL(params.apiRoot).origin);

  return async (source, options) => {
    if (source.kind !== 'discord') throw new DiscordDownloadError(`Cannot fetch a ${source.kind} upload from Discord.`);
    let url: URL;
    try {
      url = new URL(source.url);
    } catch (cause) {
      throw new DiscordDownloadError('The attachment link is not a valid URL.', { cause });
    }
    if (!allowed.has(url.origin))
      throw new DiscordDownloadError(`Refusing to download the attachment from ${url.host}: it is not Discord's file server.`);

    let res: Response;
    try {
      res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(120_000) });
    } catch (cause) {
      throw new DiscordDownloadError('Downloading the attachment from Discord failed.', { cause, retryable: true });
    }
    if (res.status === 403 || res.status === 404)
      throw new DiscordDownloadError('The attachment is no longer available on Discord (its link expired); please upload it again.');
    if (!res.ok || !res.body)
      throw new DiscordDownloadError(`Discord answered ${res.status} for the attachment download.`, { retryable: res.status >= 500 || res.status === 429 });
    const total = Number(res.headers.get('content-length')) || undefined;
    if (total !== undefined && total > options.maxBytes) {
      await res.body.cancel();
      throw new DatasetRejectedError('too_large', `The file is too large: ${formatBytes(total)}; the limit is ${formatBytes(options.maxBytes)}.`);
    }
    return readCapped(Readable.fromWeb(res.body as ReadableStream<Uint8Array>), {
      maxBytes: options.maxBytes,
      total,
      onProgress: options.onProgress,
    });
  };
}
