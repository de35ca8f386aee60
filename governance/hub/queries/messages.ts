import { hubMessages } from '../../../platform/db/schema.ts';
import { allOf, whereConditions, type FilterFields } from './filters.ts';
import { orderOf, pageOf, type ListParameters } from './pagination.ts';
import type { HubMessage, HubReadDeps } from './types.ts';

/** The filters of `messages(where: MessageWhere)`. */
export const messageWhereFields = {
  id: { column: hubMessages.id, kind: 'string' },
  mci: { column: hubMessages.mci, kind: 'int' },
  address: { column: hubMessages.address, kind: 'address' },
  timestamp: { column: hubMessages.timestamp, kind: 'int' },
  space: { column: hubMessages.space, kind: 'string' },
  type: { column: hubMessages.type, kind: 'string' },
} satisfies FilterFields;

export type MessagesParameters = ListParameters;
export type MessagesReturnType = HubMessage[];

/**
 * Accepted messages, newest first by `timestamp` unless `orderBy: "mci"` (the order the hub
 * accepted them in). A mirror follows the hub with `where: { mci_gt: last }, orderBy: "mci", orderDirection: asc`.
 */
export async function messages(deps: HubReadDeps, params: MessagesParameters): Promise<MessagesReturnType> {
  const { limit, offset } = pageOf(params);
  return deps.db
    .select()
    .from(hubMessages)
    .where(allOf(whereConditions(messageWhereFields, params.where)))
    .orderBy(...orderOf(params, { timestamp: hubMessages.timestamp, mci: hubMessages.mci }, 'timestamp', hubMessages.mci))
    .limit(limit)
    .offset(offset);
}
