import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../../test/fakes/fakeTelegram.ts';
import { retryAfterOf } from '../../platform/notifications/types.ts';
import { TelegramApiError } from './errors.ts';
import { createTelegramApi, createTelegramOutbox } from './telegramOutbox.ts';

describe('createTelegramOutbox', () => {
  const telegram = new FakeTelegram(undefined, { rateLimit: { messagesPerSecond: 2 } });
  beforeAll(() => telegram.start());
  afterAll(() => telegram.stop());

  it('reports Telegram’s flood limit as a retryable error carrying retry_after, and sends nothing twice', async () => {
    const outbox = createTelegramOutbox(createTelegramApi(telegram.token, telegram.apiRoot));
    expect(outbox.idempotentSendWindowMs).toBeUndefined();
    const results = await Promise.allSettled([1, 2, 3].map((n) => outbox.send({ transport: 'telegram', chatId: String(600 + n) }, { text: `hi ${n}` }, { idempotencyKey: `k${n}` })));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(TelegramApiError);
    expect(refused[0]).toMatchObject({ code: 429, retryable: true, retryAfterMs: 1000 });
    expect(retryAfterOf(refused[0])).toBe(1000);
    expect(telegram.sent).toHaveLength(2);
  });
});
