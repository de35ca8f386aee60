import { isAddressEqual, recoverTypedDataAddress, type Address, type Hex } from 'viem';
import type { HubDeps, HubEnvelope } from './types.ts';

/** The primary type of a Snapshot envelope: the one struct no other type refers to. */
export function primaryTypeOf(types: HubEnvelope['data']['types']): string {
  const names = Object.keys(types).filter((t) => t !== 'EIP712Domain');
  const referenced = new Set(Object.values(types).flatMap((fields) => fields.map((f) => f.type.replace(/\[\d*\]$/, ''))));
  return names.find((n) => !referenced.has(n)) ?? names[0]!;
}

/** viem's `recoverTypedDataAddress`, null for a signature that recovers nothing. */
export async function recoverWithViem(data: HubEnvelope['data'], primaryType: string, sig: Hex): Promise<Address | null> {
  try {
    return await recoverTypedDataAddress({ domain: data.domain, types: data.types, primaryType, message: data.message, signature: sig } as Parameters<
      typeof recoverTypedDataAddress
    >[0]);
  } catch {
    return null;
  }
}

/**
 * Whether `envelope.sig` is `envelope.address`'s signature over `envelope.data`. A 65-byte
 * signature is recovered (viem, or the injected `recover`); anything else, or a recovered address
 * that differs, counts only when `address` is a contract on the hub's chain that accepts it
 * (EIP-1271 / EIP-6492 through viem's `verifyTypedData`), as snapshot.js's `utils.verify` does.
 */
export async function verifyEnvelopeSignature(deps: Pick<HubDeps, 'chain' | 'recover'>, envelope: HubEnvelope): Promise<boolean> {
  const { address, sig, data } = envelope;
  if (!/^0x[0-9a-fA-F]*$/.test(sig) || sig.length < 132) return false;
  const primaryType = primaryTypeOf(data.types);
  if (sig.length === 132) {
    const signer = await (deps.recover ?? recoverWithViem)(data, primaryType, sig);
    if (signer && isAddressEqual(signer, address)) return true;
  }
  const code = await deps.chain.publicClient.getCode({ address }).catch(() => undefined);
  const isContract = code !== undefined && code !== '0x';
  if (!isContract && !sig.endsWith('6492'.repeat(16))) return false;
  try {
    return await deps.chain.publicClient.verifyTypedData({
      address,
      signature: sig,
      domain: data.domain,
      types: data.types,
      primaryType,
      message: data.message,
    } as unknown as Parameters<typeof deps.chain.publicClient.verifyTypedData>[0]);
  } catch {
    return false;
  }
}
