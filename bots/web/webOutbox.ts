import type { Db } from '../../platform/db/client.ts';
import type { TransportOutbox } from '../../platform/notifications/types.ts';
import { appendWebMessage } from '../../platform/webchat/appendWebMessage.ts';
import { editWebMessage } from '../../platform/webchat/editWebMessage.ts';

/**
 * The outbox of the local web chat page: messages are rows the page polls for. A web chat's id
 * is its person's id, so their "direct chat" is that chat.
 */
export function createWebOutbox(deps: { db: Db }): TransportOutbox {
  return {
    send: async (target, reply) => String(await appendWebMessage(deps, { chatId: target.chatId, fromBot: true, reply })),
    edit: (target, reply) => editWebMessage(deps, { chatId: target.chatId, messageId: Number(target.messageId), reply }),
    directChat: async (externalUserId) => ({ transport: 'web', chatId: externalUserId }),
  };
}
