import { eq } from 'drizzle-orm';
import type { Address, Hex } from 'viem';
import { hubMessages } from '../../platform/db/schema.ts';
import { isUniqueViolation } from '../../platform/db/client.ts';
import { contentId } from './contentId.ts';
import { envelopeSchema } from './envelopeSchema.ts';
import { HubMessageError, refuse } from './errors.ts';
import { isValidAlias } from './isValidAlias.ts';
import { ALIAS_TYPES, HUB_MESSAGE_TYPES, OPTIONAL_ALIAS_TYPES, SNAPSHOT_DOMAIN, messageTypeOf } from './messageTypes.ts';
import { hashTypedDataFast } from './hashTypedDataFast.ts';
import { invalidateProposal, invalidateSpace, readSpaceCached } from './hubCache.ts';
import { primaryTypeOf } from './recoverSigner.ts';
import { verifyEnvelopeSignature } from './verifyEnvelopeSignature.ts';
import type { HubDeps, HubEnvelope, HubMessageType, HubReceipt, MessageContext, Writer } from './types.ts';
import { settingsWriter } from './writers/settings.ts';
import { proposalWriter } from './writers/proposal.ts';
import { updateProposalWriter } from './writers/updateProposal.ts';
import { deleteProposalWriter } from './writers/deleteProposal.ts';
import { verifyVote, votePayload } from './writers/vote.ts';
import { writeVotes, type VoteEntry } from './writeVotes.ts';
import { aliasWriter } from './writers/alias.ts';
import { followWriter, unfollowWriter } from './writers/follow.ts';

/** Snapshot's envelope limits: the serialized body, and how far a timestamp may be from now. */
export const MAX_ENVELOPE_CHARS = 100_000;
export const MAX_FUTURE_SECONDS = 300;
export const MAX_PAST_SECONDS = 6 * 24 * 60 * 60;
/** Snapshot's limit on a vote's `metadata` string. */
export const MAX_METADATA_CHARS = 2_000;

const writers = {
  settings: settingsWriter,
  proposal: proposalWriter,
  'update-proposal': updateProposalWriter,
  'delete-proposal': deleteProposalWriter,
  alias: aliasWriter,
  follow: followWriter,
  unfollow: unfollowWriter,
} as unknown as Record<string, Writer<unknown>>;

export type ReceiveMessageErrorType = HubMessageError;

const VOTE_TYPES: readonly string[] = ['vote', 'vote-array', 'vote-string'];

/**
 * Takes one message exactly as Snapshot's sequencer does (`ingestor.ts`), checking in its order and
 * refusing with its words: the envelope schema (checksummed addresses) → size (`too large message`)
 * → timestamp within [now − 6 days, now + 300 s] (`wrong timestamp`) → domain (`wrong domain`) →
 * types known to snapshot.js (`wrong types`) → the space (`unknown space`) → an alias signing for
 * its owner (`alias not allowed for the type: X`, `wrong alias`) → the signature (`signature
 * validation failed`) → a new id (`duplicate message`) → the message type's own checks. The message
 * row and its effect are written in one transaction; the unique index on the id makes concurrent
 * identical posts store one row (the others get `duplicate message`). Votes are written by
 * `writeVotes` — through `deps.voteQueue`, many in one transaction — which decides `duplicate
 * message`, then the vote's own checks' refusal, then the re-vote rule, in that order, exactly as
 * one vote at a time would. The space (and a vote's proposal) come from this process's cache
 * (`hubCache.ts`), which this process's settings/update-proposal/delete-proposal invalidate.
 *
 * @returns Snapshot's answer: `{id, ipfs, relayer: {address, receipt}}`.
 * @throws {HubMessageError} with Snapshot's `error_description` and status.
 */
export async function receiveMessage(deps: HubDeps, body: unknown): Promise<HubReceipt> {
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success) return refuse('wrong envelope format');
  const envelope = parsed.data as unknown as HubEnvelope;
  const now = deps.now?.() ?? Date.now() / 1000;
  const { domain, message, types } = envelope.data;

  if (JSON.stringify(body).length > MAX_ENVELOPE_CHARS) refuse('too large message');
  if (message.timestamp > Math.round(now + MAX_FUTURE_SECONDS) || message.timestamp < Math.round(now - MAX_PAST_SECONDS)) refuse('wrong timestamp');
  if (domain.name !== SNAPSHOT_DOMAIN.name || domain.version !== SNAPSHOT_DOMAIN.version) refuse('wrong domain');

  // The sequencer ignores EIP712Domain, and signs and hashes without it.
  delete types.EIP712Domain;
  const type = messageTypeOf(types);
  if (!type) return refuse('wrong types');
  if (!(HUB_MESSAGE_TYPES as readonly string[]).includes(type)) refuse(`unsupported message type: ${type}`);

  let aliased = false;
  const space = type === 'settings' || type === 'alias' ? undefined : message.space ? await readSpaceCached(deps, message.space) : undefined;
  if (type !== 'settings' && type !== 'alias') {
    if (!space || space.deleted) refuse('unknown space');
    aliased = space!.settings.voting?.aliased === true;
  }

  if (envelope.address !== message.from) {
    const allowed = [...ALIAS_TYPES, ...(aliased ? OPTIONAL_ALIAS_TYPES : [])];
    if (!allowed.includes(type)) refuse(`alias not allowed for the type: ${type}`);
    if (!(await isValidAlias(deps, { address: message.from, alias: envelope.address, now }))) refuse('wrong alias');
  }

  // The message id is the typed-data hash, which is also what the signature signs: hashed once.
  const typed = { domain, types, primaryType: primaryTypeOf(types), message };
  let digest: Hex | undefined;
  try {
    digest = hashTypedDataFast(typed);
  } catch {
    // Not hashable: the signature check fails on it, as it always did.
  }
  if (!(await verifyEnvelopeSignature(deps, envelope, digest))) refuse('signature validation failed');
  const id = digest ?? hashTypedDataFast(typed);

  const ctx: MessageContext = {
    envelope,
    type: type as HubMessageType,
    message,
    id,
    from: message.from as Address,
    timestamp: message.timestamp,
    space,
    now: Math.floor(now),
  };
  // What Snapshot pins: the envelope with its id.
  const { address, sig, ...rest } = envelope;
  const ipfs = contentId(JSON.stringify({ address, sig, hash: id, ...rest }));
  if (VOTE_TYPES.includes(type)) return receiveVote(deps, { ...ctx, type: 'vote', ipfs }, type);

  if (await messageExists(deps, id)) refuse('duplicate message');
  const writer = writers[type]!;
  const checked = await writer.verify(deps, ctx);
  const receipt: Hex = await deps.relayer.signMessage({ message: id });

  // This process's caches forget what the message changes: before it is written, and again after
  // the commit (a read that overlapped the write does not refill them with the old row).
  const forget = () => {
    if (type === 'settings') invalidateSpace(deps.db, String(message.space ?? ''));
    if ((type === 'update-proposal' || type === 'delete-proposal') && space) invalidateProposal(deps.db, space.id, String(message.proposal ?? ''));
  };
  forget();
  try {
    await deps.db.transaction(async (tx) => {
      const [stored] = await tx
        .insert(hubMessages)
        .values({
          id,
          ipfs,
          address: envelope.address,
          version: domain.version,
          timestamp: message.timestamp,
          space: message.space ?? '',
          type,
          sig: envelope.sig,
          receipt,
        })
        .onConflictDoNothing()
        .returning({ mci: hubMessages.mci });
      if (!stored) refuse('duplicate message');
      await writer.write(tx, deps, { ...ctx, ipfs }, checked);
    });
  } catch (err) {
    if (err instanceof HubMessageError) throw err;
    if (isUniqueViolation(err)) refuse('duplicate message');
    throw new HubMessageError('failed', { status: 500, cause: err });
  } finally {
    forget();
  }
  if (type === 'proposal') deps.onProposal?.(id);
  if (type === 'update-proposal' || type === 'delete-proposal') deps.onProposal?.(String(message.proposal ?? ''));
  deps.log?.debug({ type, space: message.space, address: envelope.address, id: `${id.slice(0, 9)}…` }, 'hub: new message');
  return { id, ipfs, relayer: { address: deps.relayer.address, receipt } };
}

/**
 * A vote: its checks run now (in parallel with other votes'), and their outcome — the checked
 * vote, or its refusal — goes to `writeVotes` (through the queue when there is one), which answers
 * `duplicate message` first, as the sequencer does, then that refusal or the re-vote rule.
 */
async function receiveVote(deps: HubDeps, ctx: MessageContext & { ipfs: string }, type: string): Promise<HubReceipt> {
  const { message, id } = ctx;
  let checked: VoteEntry['checked'];
  try {
    if (typeof message.metadata === 'string' && message.metadata.length > MAX_METADATA_CHARS) refuse('too large metadata');
    let choice: unknown = message.choice;
    if (type === 'vote-string') {
      try {
        choice = JSON.parse(String(message.choice));
      } catch {
        refuse('wrong vote format');
      }
    }
    ctx.votePayload = votePayload(message, choice);
    checked = { ok: true, vote: await verifyVote(deps, ctx) };
  } catch (error) {
    checked = { ok: false, error };
  }
  ctx.votePayload ??= votePayload(message, message.choice);
  const receipt: Hex = checked.ok ? await deps.relayer.signMessage({ message: id }) : '0x';
  const entry: VoteEntry = { ctx, receipt, checked };
  if (deps.voteQueue) await deps.voteQueue.submit(deps, entry);
  else {
    const [outcome] = await writeVotes(deps, [entry]);
    if (!outcome!.ok) throw outcome!.error;
  }
  return { id, ipfs: ctx.ipfs, relayer: { address: deps.relayer.address, receipt } };
}

async function messageExists(deps: HubDeps, id: string): Promise<boolean> {
  const [row] = await deps.db.select({ mci: hubMessages.mci }).from(hubMessages).where(eq(hubMessages.id, id)).limit(1);
  return row !== undefined;
}
