import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { recoverTypedDataAddress, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { nativeRecovery, primaryTypeOf, recoverSigner, type TypedEnvelope } from './recoverSigner.ts';

const domain = { name: 'snapshot', version: '0.1.4' };
// Snapshot's vote types (single choice) and its proposal types.
const voteTypes = {
  Vote: [
    { name: 'from', type: 'address' },
    { name: 'space', type: 'string' },
    { name: 'timestamp', type: 'uint64' },
    { name: 'proposal', type: 'bytes32' },
    { name: 'choice', type: 'uint32' },
    { name: 'reason', type: 'string' },
    { name: 'app', type: 'string' },
    { name: 'metadata', type: 'string' },
  ],
};
const approvalTypes = { Vote: voteTypes.Vote.map((f) => (f.name === 'choice' ? { name: 'choice', type: 'uint32[]' } : f)) };

describe('recoverSigner', () => {
  it('recovers what viem recovers, for random keys and messages of several types', async () => {
    for (let i = 0; i < 60; i++) {
      const account = privateKeyToAccount(generatePrivateKey());
      const approval = i % 2 === 1;
      const envelope: TypedEnvelope = {
        domain,
        types: approval ? approvalTypes : voteTypes,
        message: {
          from: account.address,
          space: `space-${i}.eth`,
          timestamp: BigInt(1_700_000_000 + i),
          proposal: `0x${crypto.randomBytes(32).toString('hex')}`,
          choice: approval ? [1, 3] : (i % 5) + 1,
          reason: crypto.randomBytes(i).toString('base64'),
          app: 'caravan',
          metadata: '{}',
        },
      };
      const typed = { ...envelope, primaryType: 'Vote' } as const;
      const signature = await account.signTypedData(typed as Parameters<typeof account.signTypedData>[0]);
      expect(await recoverSigner(envelope, signature)).toBe(account.address);
      expect(await recoverTypedDataAddress({ ...typed, signature } as Parameters<typeof recoverTypedDataAddress>[0])).toBe(account.address);
      // A changed message recovers someone else, never the signer.
      const tampered = { ...envelope, message: { ...envelope.message, reason: `${String(envelope.message.reason)}!` } };
      expect(await recoverSigner(tampered, signature)).not.toBe(account.address);
    }
  });

  it('refuses malformed signatures with null', async () => {
    const envelope: TypedEnvelope = { domain, types: voteTypes, message: { from: '0x0000000000000000000000000000000000000001', space: 's', timestamp: 1n, proposal: `0x${'00'.repeat(32)}`, choice: 1, reason: '', app: '', metadata: '' } };
    for (const sig of ['0x', '0x1234', `0x${'00'.repeat(64)}`, `0x${'11'.repeat(64)}1d`, `0x${'zz'.repeat(65)}`]) expect(await recoverSigner(envelope, sig as Hex)).toBeNull();
  });

  it('finds the primary type as the one no other type refers to', () => {
    expect(primaryTypeOf(voteTypes)).toBe('Vote');
    expect(primaryTypeOf({ Inner: [{ name: 'a', type: 'uint8' }], Outer: [{ name: 'x', type: 'Inner[]' }] })).toBe('Outer');
  });

  it('uses libsecp256k1 here (its prebuilt binding loads without install scripts)', () => {
    expect(nativeRecovery).toBe(true);
  });
});
