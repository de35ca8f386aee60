import { listAssistants } from '../../platform/assistants/listAssistants.ts';
import { listUsableDatasets } from '../../platform/assistants/listUsableDatasets.ts';
import { fitLabel } from '../../platform/chat/reply.ts';
import { createChatCore, type ChatCore } from './createChatCore.ts';
import { apiKeysFeature } from './commands/apiKeys.ts';
import { treasuryFeature } from './commands/treasury.ts';
import { aliasFeature } from './commands/alias.ts';
import { governanceFeature } from './commands/governance.ts';
import { assistantsFeature, continueConversation } from './commands/assistants.ts';
import { dashboardFeature } from './commands/dashboard.ts';
import { datasetsFeature, receiveFile } from './commands/datasets.ts';
import { moneyFeature } from './commands/money.ts';
import { reviewFeature } from './commands/review.ts';
import { startFeature } from './commands/start.ts';
import { walletLinkFeature } from './commands/walletLink.ts';
import type { CoreDeps } from './types.ts';

/** What plain text outside commands and assistants gets. */
export const HINT = 'Send me a .csv, .jsonl, .txt or .md file to contribute a dataset, /newassistant to build an assistant, or /help.';

/**
 * Caravan's chat core: every feature's commands and controls in one registry, the same on
 * Discord, Telegram and the web page.
 */
export function createCaravanCore(deps: CoreDeps): ChatCore {
  const core: ChatCore = createChatCore(deps, [startFeature(() => core.features), datasetsFeature, assistantsFeature, reviewFeature, walletLinkFeature, moneyFeature, dashboardFeature, apiKeysFeature, governanceFeature, aliasFeature, treasuryFeature], {
    hint: HINT,
    onPlainText: continueConversation,
    onFile: receiveFile,
    async autocomplete(ctx, kind, query) {
      const user = await ctx.user();
      if (kind === 'assistant')
        return (await listAssistants(ctx.deps, { userId: user.id, query, limit: 25 })).map((a) => ({
          name: fitLabel(`${a.name} (${a.publicId})${a.status === 'ready' ? '' : ` — ${a.status}`}`, 100),
          value: a.publicId,
        }));
      if (kind === 'dataset')
        return (await listUsableDatasets(ctx.deps, { userId: user.id, query, limit: 25 })).map((d) => ({
          name: fitLabel(`${d.name} (${d.publicId}) — ${d.mine ? 'yours' : 'open'}`, 100),
          value: d.publicId,
        }));
      return [];
    },
  });
  return core;
}
