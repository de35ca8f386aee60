import { createHash } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * A CIDv1 (codec dag-json 0x0129, multihash sha2-256, base32 `b…`) of `json`'s UTF-8 bytes:
 * the shape of the `ipfs` field Snapshot returns. The hub computes it; it pins nothing, so the
 * CID names the content without making it fetchable from IPFS.
 */
export function contentId(json: string): string {
  const digest = createHash('sha256').update(json, 'utf8').digest();
  // varint(1) ‖ varint(0x0129) ‖ sha2-256 code ‖ length ‖ digest
  const bytes = Uint8Array.from([0x01, 0xa9, 0x02, 0x12, 0x20, ...digest]);
  return `b${base32(bytes)}`;
}
