import type { Db } from '../db/client.ts';
import type { JobsPort } from '../jobsPort.ts';
import type { FairUse } from '../limits/fairUse.ts';
import type { ChatTarget } from '../notifications/types.ts';
import { createAssistant, type Assistant, type AssistantDraft } from './createAssistant.ts';

/**
 * Creates an assistant and queues its fine-tune, within the creator's daily fine-tune limit.
 * `announce` posts the training message (edited with progress by the job) and returns where
 * it is; it is called only once the assistant exists. Without it (the API) no chat is told:
 * the progress is read from the assistant (see `getFinetune`).
 */
export async function startAssistant(
  deps: { db: Db; jobs: Pick<JobsPort, 'finetune'>; fairUse: FairUse },
  params: { userId: number; draft: AssistantDraft; announce?: ((a: Assistant) => Promise<ChatTarget | undefined>) | undefined },
): Promise<Assistant> {
  const assistant = await createAssistant(deps, params.userId, params.draft, {
    admit: () => deps.fairUse.enforce(params.userId, 'finetune'),
  });
  const target = await params.announce?.(assistant);
  await deps.jobs.finetune(assistant.id, target);
  return assistant;
}
