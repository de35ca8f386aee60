import { DiscordAPIError, HTTPError, RESTJSONErrorCodes } from 'discord.js';
import { BaseError, type BaseErrorParameters } from '../../platform/errors.ts';

/** A Discord API call failed. `code` is Discord's JSON error code (e.g. 10008), when it sent one. */
export class DiscordApiError extends BaseError {
  override name: string = 'DiscordApiError';
  readonly code: number | string | undefined;
  readonly status: number | undefined;

  constructor(shortMessage: string, params: BaseErrorParameters & { code?: number | string; status?: number } = {}) {
    super(shortMessage, params);
    this.code = params.code;
    this.status = params.status;
  }
}

/** The user does not accept direct messages from the bot (Discord error 50007); retrying cannot help. */
export class DiscordDmClosedError extends DiscordApiError {
  override name = 'DiscordDmClosedError' as const;
  /** See `isRecipientUnreachable`: the message goes to the web inbox instead. */
  readonly recipientUnreachable = true;
}

/** Downloading an attachment failed, or its URL is not one the bot may fetch. */
export class DiscordDownloadError extends BaseError {
  override name = 'DiscordDownloadError' as const;
}

/**
 * Wraps whatever `@discordjs/rest` threw into our typed errors, keeping the original as `cause`.
 * Rate limits are waited out by the REST client itself, so what reaches here is final for this
 * attempt: 5xx and network failures are retryable, Discord's 4xx answers are not.
 *
 * @param action - What was being done, for the message ("send a message to channel 123").
 */
export function wrapDiscordError(err: unknown, action: string): BaseError {
  if (err instanceof BaseError) return err;
  if (err instanceof DiscordAPIError) {
    const params = { cause: err, code: err.code, status: err.status, details: err.message };
    switch (err.code) {
      case RESTJSONErrorCodes.CannotSendMessagesToThisUser:
      case RESTJSONErrorCodes.CannotSendMessagesToThisUserDueToHavingNoMutualGuilds:
        return new DiscordDmClosedError(`Could not ${action}: the user does not accept direct messages from this bot.`, params);
      case RESTJSONErrorCodes.UnknownChannel:
        return new DiscordApiError(`Could not ${action}: Discord does not know that channel.`, params);
      case RESTJSONErrorCodes.UnknownMessage:
        return new DiscordApiError(`Could not ${action}: the message no longer exists.`, params);
      case RESTJSONErrorCodes.MissingAccess:
      case RESTJSONErrorCodes.MissingPermissions:
        return new DiscordApiError(`Could not ${action}: the bot lacks access or permission there.`, params);
      default:
        return new DiscordApiError(`Could not ${action}: Discord answered ${err.status} (${err.code}).`, {
          ...params,
          retryable: err.status >= 500,
        });
    }
  }
  if (err instanceof HTTPError)
    return new DiscordApiError(`Could not ${action}: Discord answered ${err.status}.`, {
      cause: err,
      status: err.status,
      retryable: err.status >= 500 || err.status === 429,
    });
  // Network failures and timeouts (undici, AbortError) may pass.
  return new DiscordApiError(`Could not ${action}: Discord could not be reached.`, {
    cause: err,
    details: err instanceof Error ? err.message : String(err),
    retryable: true,
  });
}
