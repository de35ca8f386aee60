/** The kinds of work each person may do a limited number of times (configurable, see config/schema.ts). */
export type FairUseKind = 'upload' | 'finetune' | 'chat';

/**
 * Per-user limits on what costs CPU or gas. `enforce` counts one use, or throws
 * `LimitExceededError` (with when to try again) and counts nothing.
 */
export type FairUse = { enforce(userId: number, kind: FairUseKind): Promise<void> };
