import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assistants } from '../db/schema.ts';
import type { AesKey } from '../crypto/aead.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import type { ChainDeps } from '../chain/clients.ts';
import { NotFoundError } from '../errors.ts';
import type { JobsPort } from '../jobsPort.ts';
import type { ChatTarget } from '../notifications/types.ts';
import { assistantRegistered } from '../messages/assistants.ts';
import { createEncryptedCheckpointStore } from '../assistants/encryptedCheckpointStore.ts';
import { assistantKeys } from '../../engine/index.ts';
import { createLicenseTerms } from '../money/createLicenseTerms.ts';
import { mintAssistantReceipt, type LineageNotReadyError } from './mintAssistantReceipt.ts';
import type { MintedReceipt } from './registerWithReceipt.ts';

export type { LineageNotReadyError };

/**
 * The `mint` job for an assistant: registers its trained weights on-chain with their lineage and
 * issues its creator's receipt (see `mintAssistantReceipt`), puts its licenses on sale, then tells
 * the creator once.
 */
export async function registerTrainedAssistant(
  deps: { db: Db; chain: ChainDeps; blobs: BlobStore; masterKey: AesKey; jobs: Pick<JobsPort, 'notify'> },
  params: { assistantId: number; replyTarget?: ChatTarget | undefined },
): Promise<MintedReceipt> {
  const modelBytes = await createEncryptedCheckpointStore(deps).load(assistantKeys(String(params.assistantId)).model);
  if (!modelBytes) throw new NotFoundError(`Assistant #${params.assistantId} has no trained model to register.`);
  const minted = await mintAssistantReceipt(deps, { assistantId: params.assistantId, modelBytes });
  await createLicenseTerms(deps, params.assistantId);
  const [assistant] = await deps.db.select().from(assistants).where(eq(assistants.id, params.assistantId));
  if (params.replyTarget && assistant)
    await deps.jobs.notify({
      key: `assistant:${params.assistantId}:registered`,
      target: { transport: params.replyTarget.transport, chatId: params.replyTarget.chatId },
      reply: { text: assistantRegistered(assistant.name, minted) },
    });
  return minted;
}
