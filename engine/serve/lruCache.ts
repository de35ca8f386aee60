/**
 * A least-recently-used cache bounded by entry count and by total size (bytes, as the caller
 * measures them). Evicted entries are handed to `onEvict` (to free tensors and indexes).
 */
export type LruCache<K, V> = {
  get(key: K): V | undefined;
  /** Stores `value` as the most recently used entry, then evicts the oldest beyond the bounds (never the new one). */
  set(key: K, value: V, size: number): void;
  delete(key: K): boolean;
  has(key: K): boolean;
  readonly size: number;
  /** Sum of the sizes of the entries held. */
  readonly bytes: number;
  keys(): K[];
  clear(): void;
};

export function createLruCache<K, V>(bounds: { maxEntries: number; maxBytes: number; onEvict?: (key: K, value: V) => void }): LruCache<K, V> {
  const entries = new Map<K, { value: V; size: number }>();
  let bytes = 0;
  const remove = (key: K, evict: boolean) => {
    const e = entries.get(key);
    if (!e) return false;
    entries.delete(key);
    bytes -= e.size;
    if (evict) bounds.onEvict?.(key, e.value);
    return true;
  };
  return {
    get(key) {
      const e = entries.get(key);
      if (!e) return undefined;
      entries.delete(key);
      entries.set(key, e);
      return e.value;
    },
    set(key, value, size) {
      remove(key, true);
      entries.set(key, { value, size });
      bytes += size;
      for (const k of entries.keys()) {
        if (entries.size <= Math.max(1, bounds.maxEntries) && bytes <= bounds.maxBytes) break;
        if (k === key) continue;
        remove(k, true);
      }
    },
    delete: (key) => remove(key, true),
    has: (key) => entries.has(key),
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
    keys: () => [...entries.keys()],
    clear() {
      for (const k of [...entries.keys()]) remove(k, true);
    },
  };
}
