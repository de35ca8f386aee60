import { z } from 'zod';

/** Amounts in a currency's smallest unit, as decimal strings (they exceed 2^53). */
export const units = z.string().regex(/^\d+$/).meta({ description: "An amount in the currency's smallest unit, as a decimal string.", example: '5000000' });
export const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/).meta({ description: 'An EVM address.', example: '0x5FbDB2315678afecb367f032d93F642f64180aa3' });
export const timestamp = z.string().meta({ description: 'ISO 8601 date and time (UTC).', format: 'date-time', example: '2027-01-01T00:00:00.000Z' });

/** `:id` path parameter. */
export const idParam = (description: string, example: string) => z.strictObject({ id: z.string().min(1).max(64).meta({ description, example }) });
