import { getAddress } from 'viem';
import { z } from 'zod';

/** An address in its EIP-55 checksummed spelling, as Snapshot's envelope schema requires. */
const checksummed = z.string().refine((v) => {
  try {
    return getAddress(v) === v;
  } catch {
    return false;
  }
});

const typeFields = z.array(z.object({ name: z.string(), type: z.string() }).strict());

/**
 * Snapshot's sequencer envelope: `{address, sig, data:{domain, types, message, primaryType?}}`,
 * no other fields; `address` and `message.from` checksummed; `message.timestamp` a number.
 */
export const envelopeSchema = z
  .object({
    address: checksummed,
    sig: z.string(),
    data: z
      .object({
        domain: z.object({ name: z.string(), version: z.string() }).passthrough(),
        types: z.record(z.string(), typeFields),
        primaryType: z.string().optional(),
        message: z.object({ from: checksummed, timestamp: z.number(), space: z.string().optional() }).passthrough(),
      })
      .strict(),
  })
  .strict();
