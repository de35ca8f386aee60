import { DatasetRejectedError, formatBytes } from '../datasets/validateDataset.ts';
import type { FetchProgress } from '../datasets/uploadSource.ts';

/**
 * Reads a byte stream into memory, stopping with `DatasetRejectedError('too_large')` as soon
 * as it passes `maxBytes` (the rest is never read).
 */
export async function readCapped(
  chunks: AsyncIterable<Uint8Array>,
  params: { maxBytes: number; total?: number | undefined; onProgress?: FetchProgress | undefined },
): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of chunks) {
    received += chunk.byteLength;
    if (received > params.maxBytes)
      throw new DatasetRejectedError(
        'too_large',
        `The file is too large: more than ${formatBytes(params.maxBytes)} (the limit).`,
      );
    parts.push(chunk);
    params.onProgress?.(received, params.total);
  }
  return Buffer.concat(parts);
}
