import * as snapshotModule from '@snapshot-labs/snapshot.js';

/** snapshot.js's default export as its declarations describe it. */
type SnapshotJs = (typeof snapshotModule)['default']['default'];

/**
 * snapshot.js (pinned 0.17.5), typed: its CommonJS build reaches ESM as `{ default: module.exports }`,
 * and NodeNext types `import x from` as the namespace, so the handle is unwrapped here once.
 */
const exported = (snapshotModule as unknown as { default: SnapshotJs & { default?: SnapshotJs } }).default;
export const snapshotjs: SnapshotJs = exported.default ?? exported;
