import { describe, expect, it } from 'vitest';
import { BaseError as ProjectBaseError } from '../platform/errors.ts';
import { ArchitectureMismatchError, BaseError, ContextOverflowError, CorruptCheckpointError, EngineBusyError, InvalidDatasetError } from './errors.ts';

describe('engine errors', () => {
  it('carry a literal name, a short message, details, cause and how to react', () => {
    const cause = new Error('disk says no');
    const e = new CorruptCheckpointError('Checkpoint "k" is corrupt or not a checkpoint.', { details: 'checksum mismatch', cause, key: 'k' });
    expect(e).toBeInstanceOf(BaseError);
    expect(e).toBeInstanceOf(ProjectBaseError);
    expect(e.name).toBe('CorruptCheckpointError');
    expect(e.shortMessage).toBe('Checkpoint "k" is corrupt or not a checkpoint.');
    expect(e.message).toContain('Details: checksum mismatch');
    expect(e.cause).toBe(cause);
    expect(e.retryable).toBe(false);
    expect(new EngineBusyError({ queued: 3, limit: 3 }).retryable).toBe(true);
    expect(new ContextOverflowError({ tokens: 300, limit: 255 }).shortMessage).toBe('The prompt is too long: 300 tokens, the limit is 255.');
    expect(new ArchitectureMismatchError({ expected: 'aa', actual: 'bb' }).message).toContain('checkpoint fingerprint: bb');
    expect(new InvalidDatasetError('x', { datasetId: 'd1' }).datasetId).toBe('d1');
  });
});
