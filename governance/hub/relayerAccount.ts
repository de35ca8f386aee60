import crypto from 'node:crypto';
import { bytesToHex, hashMessage, hexToBytes, type Hex, type SignableMessage } from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { native } from './recoverSigner.ts';

/**
 * The hub's relayer (Snapshot's `relayer.address`, whose signature is each message's `receipt`): a
 * key derived from the master key, so it is stable across restarts, held by no person, and not the
 * operator key (processes that only take messages never load a key that can send transactions).
 * Receipts (EIP-191 over the message id) are signed with libsecp256k1 when its binding loads —
 * the same RFC 6979 deterministic, low-s signature viem's would be (tested byte for byte), about
 * twenty times cheaper, and the hub signs one per message.
 */
export function hubRelayerAccount(masterKey: Buffer): PrivateKeyAccount {
  const key = `0x${crypto.createHmac('sha256', masterKey).update('caravan:hub-relayer').digest('hex')}` as const;
  const account = privateKeyToAccount(key);
  const secp = native;
  if (!secp) return account;
  const secret = hexToBytes(key);
  const signMessage = async ({ message }: { message: SignableMessage }): Promise<Hex> => {
    const { signature, recid } = secp.ecdsaSign(hexToBytes(hashMessage(message)), secret);
    const out = new Uint8Array(65);
    out.set(signature, 0);
    out[64] = 27 + recid;
    return bytesToHex(out);
  };
  return { ...account, signMessage };
}
