/** Where an upload's bytes can be fetched from. */
export type UploadSource =
  | { kind: 'telegram'; fileId: string }
  | { kind: 'discord'; url: string }
  | { kind: 'staged'; path: string };

export type FetchProgress = (received: number, total: number | undefined) => void;

/**
 * Fetches the bytes of an upload, refusing more than `maxBytes`. Implemented per transport
 * (Telegram Bot API, the web page's staging directory).
 */
export type FileFetcher = (
  source: UploadSource,
  options: { maxBytes: number; onProgress?: FetchProgress | undefined },
) => Promise<Buffer>;
