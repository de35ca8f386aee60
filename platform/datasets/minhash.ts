import { InputError } from '../errors.ts';

/**
 * MinHash signatures of a dataset's rows, to estimate how much two datasets overlap without
 * keeping (or decrypting) either one.
 *
 * Construction, chosen to be fast in plain JavaScript and identical in every process:
 * 1. Each row is normalised (lowercased with `String#toLowerCase`, runs of whitespace collapsed
 *    to one space, trimmed); a row that is empty after this is skipped.
 * 2. The normalised row is hashed once to a 32-bit word: FNV-1a over its UTF-16 code units,
 *    finished with MurmurHash3's `fmix32` so every output bit depends on every input bit.
 * 3. Permutation `i` of the 32-bit hash space is `x ↦ fmix32(aᵢ·x + bᵢ mod 2³²)` with `aᵢ` odd.
 *    Multiplying by an odd number, adding, and `fmix32` are each bijections on 32-bit words,
 *    so every `i` is a true permutation; `aᵢ`, `bᵢ` come from a fixed SplitMix-style sequence.
 * 4. Signature slot `i` is the smallest permuted value over all rows (`0xffffffff` when there
 *    are none).
 *
 * Only `Math.imul`, shifts and typed arrays are used, so the result does not depend on the
 * machine, the process or the Node version (beyond Unicode case mapping of letters added in
 * new Unicode versions, which `toLowerCase` follows).
 *
 * Two signatures agree in a slot with probability equal to the Jaccard similarity of the two
 * row sets, so the share of equal slots estimates it (standard error ≈ √(J(1−J)/k), ≈ 0.035
 * at k = 128).
 */

/** Signature length used unless told otherwise. */
export const DEFAULT_MINHASH_SIZE = 128;

/** The value of a slot no row has reached: the signature of an empty set is all of these. */
const EMPTY_SLOT = 0xffffffff;

/** MurmurHash3's 32-bit finaliser: a bijection with full avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** `String#trim`'s and `\s`'s whitespace, tested by code unit (ASCII first, as that is the hot path). */
function isSpace(c: number): boolean {
  if (c > 32 && c < 0xa0) return false;
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * The form rows are compared in: lowercased, whitespace runs collapsed to one space, trimmed.
 *
 * @example normaliseRow('  Hello\t\tWorld ') // 'hello world'
 */
export function normaliseRow(row: string): string {
  return row.toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The 32-bit word MinHash works on for one row (step 2 above): FNV-1a of `normaliseRow(row)`
 * finished with `fmix32`, computed without building the normalised string (it runs once per
 * row of a 200,000-row upload). -1 when the row is empty after normalising.
 *
 * Use it with {@link minhashOfHashes} when the caller sees each row once anyway.
 */
export function hashRow(row: string): number {
  return hashNormalised(row, false);
}

function hashNormalised(row: string, lowered: boolean): number {
  let h = 0x811c9dc5;
  let pendingSpace = false;
  let any = false;
  for (let i = 0; i < row.length; i++) {
    let c = row.charCodeAt(i);
    if (c > 32 && c < 0x7f) {
      if (c >= 65 && c <= 90) c += 32;
    } else if (isSpace(c)) {
      pendingSpace = any;
      continue;
    } else if (c >= 0x80 && !lowered) {
      // ASCII is lowercased on the fly; anything else goes through `toLowerCase`, whose
      // mappings can depend on context (a Greek final sigma) or change the length (İ).
      return hashNormalised(row.toLowerCase(), true);
    }
    if (pendingSpace) {
      h = Math.imul(h ^ 32, 0x01000193);
      pendingSpace = false;
    }
    h = Math.imul(h ^ c, 0x01000193);
    any = true;
  }
  return any ? fmix32(h) : -1;
}

/** The `aᵢ` (odd) and `bᵢ` of permutation `i`, from a fixed SplitMix32-style sequence. */
function permutationSeeds(k: number): { a: Int32Array; b: Int32Array } {
  const a = new Int32Array(k);
  const b = new Int32Array(k);
  let state = 0x6a09e667; // first 32 bits of √2's fraction: a constant nobody chose to tune
  const next = () => {
    state = (state + 0x9e3779b9) >>> 0;
    return fmix32(state);
  };
  for (let i = 0; i < k; i++) {
    a[i] = next() | 1;
    b[i] = next() | 0;
  }
  return { a, b };
}

/**
 * The MinHash signature of a set of rows (duplicates and row order do not matter).
 *
 * @param items the rows; each is normalised with {@link normaliseRow}; empty ones are skipped.
 * @param k the number of permutations (signature length); default 128.
 * @returns `k` 32-bit minima. Store them with {@link signatureToBytes}.
 * @example
 * const sig = minhashSignature(['What is 2+2?,4', 'Capital of France?,Paris']);
 * estimateJaccard(sig, sig) // 1
 */
export function minhashSignature(items: Iterable<string>, k: number = DEFAULT_MINHASH_SIZE): Uint32Array {
  let hashes = new Uint32Array(1024);
  let n = 0;
  for (const item of items) {
    const h = hashNormalised(item, false);
    if (h === -1) continue;
    if (n === hashes.length) {
      const grown = new Uint32Array(n * 2);
      grown.set(hashes);
      hashes = grown;
    }
    hashes[n++] = h;
  }
  return minhashOfHashes(hashes.subarray(0, n), k);
}

/**
 * The MinHash signature of rows given by their {@link hashRow} words (-1, an empty row, is
 * skipped): `minhashOfHashes(rows.map(hashRow))` equals `minhashSignature(rows)`. Pass numbers
 * or a `Uint32Array` (an `Int32Array` would turn the word 0xffffffff into -1).
 */
export function minhashOfHashes(hashes: ArrayLike<number>, k: number = DEFAULT_MINHASH_SIZE): Uint32Array {
  if (!Number.isInteger(k) || k < 1) throw new InputError(`A MinHash signature needs a whole number of slots ≥ 1, not ${k}.`);
  const words = new Int32Array(hashes.length);
  let n = 0;
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i]!;
    if (h !== -1) words[n++] = h;
  }
  const { a, b } = permutationSeeds(k);
  const sig = new Uint32Array(k).fill(EMPTY_SLOT);
  if (n === 0) return sig;
  // Permutations run over all the words in tight loops that keep their minima in registers,
  // four at a time (one load of each word feeds four): at 200,000 rows × 128 permutations this
  // loop is most of the cost. Minima are kept as signed words with the top bit flipped, so
  // signed comparison gives the unsigned order and V8 stays on small integers.
  let i = 0;
  for (; i + 4 <= k; i += 4) {
    const a0 = a[i]!, b0 = b[i]!, a1 = a[i + 1]!, b1 = b[i + 1]!;
    const a2 = a[i + 2]!, b2 = b[i + 2]!, a3 = a[i + 3]!, b3 = b[i + 3]!;
    let m0 = 0x7fffffff, m1 = 0x7fffffff, m2 = 0x7fffffff, m3 = 0x7fffffff;
    for (let r = 0; r < n; r++) {
      const w = words[r]!;
      let v = (Math.imul(a0, w) + b0) | 0;
      v ^= v >>> 16;
      v = Math.imul(v, 0x85ebca6b);
      v ^= v >>> 13;
      v = Math.imul(v, 0xc2b2ae35);
      v ^= (v >>> 16) ^ 0x80000000;
      if (v < m0) m0 = v;
      v = (Math.imul(a1, w) + b1) | 0;
      v ^= v >>> 16;
      v = Math.imul(v, 0x85ebca6b);
      v ^= v >>> 13;
      v = Math.imul(v, 0xc2b2ae35);
      v ^= (v >>> 16) ^ 0x80000000;
      if (v < m1) m1 = v;
      v = (Math.imul(a2, w) + b2) | 0;
      v ^= v >>> 16;
      v = Math.imul(v, 0x85ebca6b);
      v ^= v >>> 13;
      v = Math.imul(v, 0xc2b2ae35);
      v ^= (v >>> 16) ^ 0x80000000;
      if (v < m2) m2 = v;
      v = (Math.imul(a3, w) + b3) | 0;
      v ^= v >>> 16;
      v = Math.imul(v, 0x85ebca6b);
      v ^= v >>> 13;
      v = Math.imul(v, 0xc2b2ae35);
      v ^= (v >>> 16) ^ 0x80000000;
      if (v < m3) m3 = v;
    }
    sig[i] = (m0 ^ 0x80000000) >>> 0;
    sig[i + 1] = (m1 ^ 0x80000000) >>> 0;
    sig[i + 2] = (m2 ^ 0x80000000) >>> 0;
    sig[i + 3] = (m3 ^ 0x80000000) >>> 0;
  }
  for (; i < k; i++) {
    const ai = a[i]!;
    const bi = b[i]!;
    let min = 0x7fffffff;
    for (let r = 0; r < n; r++) {
      let v = (Math.imul(ai, words[r]!) + bi) | 0;
      v ^= v >>> 16;
      v = Math.imul(v, 0x85ebca6b);
      v ^= v >>> 13;
      v = Math.imul(v, 0xc2b2ae35);
      v ^= (v >>> 16) ^ 0x80000000;
      if (v < min) min = v;
    }
    sig[i] = (min ^ 0x80000000) >>> 0;
  }
  return sig;
}

/** True when no row reached any slot: the signature of an empty set. */
function isEmptySignature(sig: ArrayLike<number>): boolean {
  for (let i = 0; i < sig.length; i++) if (sig[i] !== EMPTY_SLOT) return false;
  return true;
}

/**
 * Estimated Jaccard similarity |A ∩ B| / |A ∪ B| of the row sets behind two signatures: the
 * share of slots in which they agree. 0 when either set is empty (nothing can be shared).
 *
 * @throws InputError when the signatures have different lengths (made with different `k`).
 */
export function estimateJaccard(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length)
    throw new InputError(`These MinHash signatures cannot be compared: one has ${a.length} slots, the other ${b.length}.`);
  if (a.length === 0 || isEmptySignature(a) || isEmptySignature(b)) return 0;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/**
 * Estimated number of distinct (normalised) rows behind a signature.
 *
 * Each slot is the minimum of n uniform 32-bit values, so −ln(1 − slot/2³²) is exponential
 * with rate n and (k − 1) / Σ −ln(1 − slotᵢ/2³²) is an unbiased estimate of n (relative
 * standard error ≈ 1/√(k − 2), ≈ 9 % at k = 128). Two signatures of overlapping sets share
 * most of their minima, so the ratio of their estimates is far more precise than either one.
 */
export function estimateDistinctCount(sig: ArrayLike<number>): number {
  if (sig.length < 2 || isEmptySignature(sig)) return 0;
  let sum = 0;
  for (let i = 0; i < sig.length; i++) sum += -Math.log1p(-(sig[i]! + 0.5) / 4294967296);
  return (sig.length - 1) / sum;
}

/** Encodes a signature as little-endian 32-bit words (for a `bytea` column), the same on every machine. */
export function signatureToBytes(sig: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(sig.length * 4);
  for (let i = 0; i < sig.length; i++) out.writeUInt32LE(sig[i]! >>> 0, i * 4);
  return out;
}

/**
 * Decodes what {@link signatureToBytes} wrote.
 *
 * @throws InputError when the length is not a multiple of 4 bytes.
 */
export function signatureFromBytes(bytes: Uint8Array): Uint32Array {
  if (bytes.byteLength % 4 !== 0)
    throw new InputError(`A stored MinHash signature must be a whole number of 32-bit words; got ${bytes.byteLength} bytes.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sig = new Uint32Array(bytes.byteLength / 4);
  for (let i = 0; i < sig.length; i++) sig[i] = view.getUint32(i * 4, true);
  return sig;
}
