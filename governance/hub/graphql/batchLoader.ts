/**
 * Loads by key, once per key, in batches: every key asked for before the next turn of the event
 * loop goes into one `loadMany` call (a page of 1000 votes asks for its spaces in one query).
 * One loader lives for one GraphQL request, so nothing is cached across requests.
 */
export function createBatchLoader<K, V>(loadMany: (keys: readonly K[]) => Promise<Map<K, V>>): (key: K) => Promise<V | undefined> {
  type Batch = { keys: K[]; result: Promise<Map<K, V>> };
  const results = new Map<K, Promise<V | undefined>>();
  let pending: Batch | undefined;
  const schedule = (): Batch => {
    const keys: K[] = [];
    const result = new Promise<Map<K, V>>((resolve, reject) => {
      setImmediate(() => {
        pending = undefined;
        loadMany(keys).then(resolve, reject);
      });
    });
    return { keys, result };
  };
  return (key) => {
    const known = results.get(key);
    if (known) return known;
    pending ??= schedule();
    pending.keys.push(key);
    const result = pending.result.then((m) => m.get(key));
    results.set(key, result);
    return result;
  };
}
