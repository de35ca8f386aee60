import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashTypedData, recoverMessageAddress, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { hashTypedDataFast } from './hashTypedDataFast.ts';
import { hubRelayerAccount } from './relayerAccount.ts';
import { nativeRecovery } from './recoverSigner.ts';

const f = (fields: Array<[string, string]>) => fields.map(([name, type]) => ({ name, type }));
/** Snapshot's own types (snapshot.js 0.17 `sign/types.ts`), the shapes the hub hashes. */
const TYPES = {
  Vote: f([['from', 'address'], ['space', 'string'], ['timestamp', 'uint64'], ['proposal', 'bytes32'], ['choice', 'uint32'], ['reason', 'string'], ['app', 'string'], ['metadata', 'string']]),
  Vote2: f([['from', 'string'], ['space', 'string'], ['timestamp', 'uint64'], ['proposal', 'string'], ['choice', 'uint32[]'], ['reason', 'string'], ['app', 'string'], ['metadata', 'string']]),
  Proposal: f([
    ['from', 'address'], ['space', 'string'], ['timestamp', 'uint64'], ['type', 'string'], ['title', 'string'], ['body', 'string'], ['discussion', 'string'],
    ['choices', 'string[]'], ['labels', 'string[]'], ['start', 'uint64'], ['end', 'uint64'], ['snapshot', 'uint64'], ['plugins', 'string'], ['privacy', 'string'], ['app', 'string'],
  ]),
  Alias: f([['from', 'address'], ['alias', 'address'], ['timestamp', 'uint64']]),
  Flags: f([['from', 'address'], ['on', 'bool'], ['blob', 'bytes'], ['big', 'uint256'], ['small', 'uint8']]),
};
const DOMAIN = { name: 'snapshot', version: '0.1.4' };

const rand = (n: number) => crypto.randomBytes(n);
const randomString = () => ['', 'caravan.eth', 'ünïcødé ✓ 🐫', rand(1 + (rand(1)[0]! % 200)).toString('base64'), '{}', '\ud800 lone'][rand(1)[0]! % 6]!;
const address = () => privateKeyToAccount(generatePrivateKey()).address;

function randomMessage(name: keyof typeof TYPES): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  for (const { name: field, type } of TYPES[name]) {
    if (type === 'address') m[field] = rand(1)[0]! % 2 ? address() : address().toLowerCase();
    else if (type === 'string') m[field] = randomString();
    else if (type === 'bytes32') m[field] = toHex(rand(32));
    else if (type === 'bytes') m[field] = toHex(rand(rand(1)[0]! % 40));
    else if (type === 'bool') m[field] = rand(1)[0]! % 2 === 0;
    else if (type === 'uint8') m[field] = rand(1)[0]!;
    else if (type === 'uint256') m[field] = BigInt(toHex(rand(32)));
    else if (type === 'uint32') m[field] = rand(4).readUInt32BE();
    else if (type === 'uint64') m[field] = Math.floor(Date.now() / 1000) - (rand(1)[0]! % 100);
    else if (type === 'uint32[]') m[field] = Array.from({ length: rand(1)[0]! % 5 }, () => rand(4).readUInt32BE());
    else if (type === 'string[]') m[field] = Array.from({ length: rand(1)[0]! % 5 }, randomString);
  }
  return m;
}

/** The same hash as viem, or the same error (by class and message). */
function same(types: Record<string, Array<{ name: string; type: string }>>, primaryType: string, message: Record<string, unknown>, domain: Record<string, unknown> = DOMAIN) {
  const p = { domain, types, primaryType, message };
  const run = (fn: () => string) => {
    try {
      return fn();
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  };
  const viem = run(() => hashTypedData(p as never));
  expect(run(() => hashTypedDataFast(p))).toBe(viem);
  return viem;
}

describe('hashTypedDataFast', () => {
  it('hashes what viem hashes, for random messages of every Snapshot shape', () => {
    for (let i = 0; i < 150; i++)
      for (const name of Object.keys(TYPES) as Array<keyof typeof TYPES>) expect(same({ [name]: TYPES[name] }, name, randomMessage(name))).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('agrees with viem on values it does not take itself: bad addresses, out-of-range numbers, wrong sizes, missing fields', () => {
    const vote = randomMessage('Vote');
    const types = { Vote: TYPES.Vote };
    const a = address();
    const badChecksum = `0x${a.slice(2, 3) === a.slice(2, 3).toLowerCase() ? a.slice(2, 3).toUpperCase() : a.slice(2, 3).toLowerCase()}${a.slice(3)}`;
    for (const over of [
      { from: badChecksum },
      { from: a.toUpperCase().replace('0X', '0x') },
      { from: 'not an address' },
      { choice: 2 ** 32 },
      { choice: -1 },
      { choice: 1.5 },
      { choice: '3' },
      { timestamp: 2n ** 64n },
      { timestamp: 12n },
      { proposal: '0x1234' },
      { proposal: `0x${'zz'.repeat(32)}` },
      { reason: 42 },
      { space: undefined },
    ])
      same(types, 'Vote', { ...vote, ...over });
    same({ Vote2: TYPES.Vote2 }, 'Vote2', { ...randomMessage('Vote2'), choice: [1, 2 ** 40] });
    same({ Flags: TYPES.Flags }, 'Flags', { ...randomMessage('Flags'), blob: '0x123' });
    same({ Flags: TYPES.Flags }, 'Flags', { ...randomMessage('Flags'), small: 256 });
  });

  it('agrees with viem on other domains, unknown types and nested structs', () => {
    const vote = randomMessage('Vote');
    same({ Vote: TYPES.Vote }, 'Vote', vote, { ...DOMAIN, chainId: 31337, verifyingContract: address() });
    same({ Vote: TYPES.Vote }, 'Vote', vote, { ...DOMAIN, chainId: -1 });
    same({ Vote: TYPES.Vote }, 'Vote', vote, {});
    same({ Vote: [...TYPES.Vote, { name: 'x', type: 'uint7' }] }, 'Vote', vote);
    same({ Vote: TYPES.Vote }, 'Missing', vote);
    same({ Inner: f([['a', 'string']]), Outer: f([['inner', 'Inner'], ['b', 'uint8']]) }, 'Outer', { inner: { a: 'x' }, b: 1 });
  });
});

describe('hubRelayerAccount', () => {
  it('signs receipts exactly as viem does (libsecp256k1 when it loads), recoverable to the relayer', async () => {
    for (let i = 0; i < 20; i++) {
      const master = rand(32);
      const relayer = hubRelayerAccount(master);
      const reference = privateKeyToAccount(`0x${crypto.createHmac('sha256', master).update('caravan:hub-relayer').digest('hex')}`);
      expect(relayer.address).toBe(reference.address);
      const id = toHex(rand(32));
      const receipt = await relayer.signMessage({ message: id });
      expect(receipt).toBe(await reference.signMessage({ message: id }));
      expect(await recoverMessageAddress({ message: id, signature: receipt })).toBe(relayer.address);
    }
    expect(nativeRecovery).toBe(true);
  });
});
