import crypto from 'node:crypto';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';

/**
 * The hub's relayer (Snapshot's `relayer.address`, whose signature is each message's `receipt`): a
 * key derived from the master key, so it is stable across restarts, held by no person, and not the
 * operator key (processes that only take messages never load a key that can send transactions).
 */
export function hubRelayerAccount(masterKey: Buffer): PrivateKeyAccount {
  const key = crypto.createHmac('sha256', masterKey).update('caravan:hub-relayer').digest('hex');
  return privateKeyToAccount(`0x${key}`);
}
