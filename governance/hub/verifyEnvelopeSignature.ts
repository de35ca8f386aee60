import { isAddressEqual, type Hex } from 'viem';
import { isSignedBy, primaryTypeOf } from './recoverSigner.ts';
import type { HubDeps, HubEnvelope } from './types.ts';

/**
 * Whether `envelope.sig` is `envelope.address`'s signature over `envelope.data`. A 65-byte
 * signature is recovered (`recoverSigner`, or the injected `recover`); anything else, or a recovered address
 * that differs, counts only when `address` is a contract on the hub's chain that accepts it
 * (EIP-1271 / EIP-6492 through viem's `verifyTypedData`), as snapshot.js's `utils.verify` does.
 * `digest`: the typed-data hash when the caller has it already.
 */
export async function verifyEnvelopeSignature(deps: Pick<HubDeps, 'chain' | 'recover'>, envelope: HubEnvelope, digest?: Hex): Promise<boolean> {
  const { address, sig, data } = envelope;
  if (!/^0x[0-9a-fA-F]*$/.test(sig) || sig.length < 132) return false;
  const primaryType = primaryTypeOf(data.types);
  if (sig.length === 132) {
    if (deps.recover) {
      const signer = await deps.recover(data, primaryType, sig);
      if (signer && isAddressEqual(signer, address)) return true;
    } else if (await isSignedBy(data, sig, address, digest)) return true;
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
