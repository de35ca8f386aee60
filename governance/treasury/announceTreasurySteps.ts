import { desc, eq, or, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.ts';
import { identities, users } from '../../platform/db/schema.ts';
import type { JobsPort } from '../../platform/jobsPort.ts';
import type { ChatTarget } from '../../platform/notifications/types.ts';
import type { TreasuryStep } from './advanceTreasury.ts';
import { utcMinute } from '../../platform/messages/format.ts';

const channelText = (step: TreasuryStep): string =>
  step.kind === 'phase'
    ? `🏛 The treasury's handover moved to the ${step.to} phase${step.to === 'TRANSITION' ? ': the DAO proposes and executes now; the Foundation keeps a veto for a while' : ': the DAO alone runs the treasury'}. /dao shows it.`
    : step.kind === 'queued'
      ? `🏛 Treasury proposal *${step.proposal.title}* passed and is queued in the timelock until ${utcMinute(step.eta)}: ${step.proposal.actions.join('; ')}.`
      : `🏛 Treasury proposal *${step.proposal.title}* was executed: ${step.proposal.actions.join('; ')}.`;

/**
 * Tells what the treasury's lifecycle did: each step is posted to the governance channels
 * (GOVERNANCE_CHANNELS), and the proposer of a queued or executed proposal is told in their
 * private chat on the transport they used last; once per step and recipient (the message key),
 * however often a pass repeats. Proposers the platform does not know (a wallet proposing
 * directly) only see the channel posts.
 */
export async function announceTreasurySteps(
  deps: { db: Db; jobs: Pick<JobsPort, 'notify'>; chainId: number; channels?: ReadonlyArray<{ id: string; target: ChatTarget }> | undefined },
  steps: readonly TreasuryStep[],
): Promise<number> {
  let sent = 0;
  for (const step of steps) {
    const stepKey = step.kind === 'phase' ? `phase:${step.to}` : `${step.proposal.id}:${step.kind}`;
    for (const channel of deps.channels ?? []) {
      await deps.jobs.notify({ key: `treasury:${deps.chainId}:${stepKey}:${channel.id}`, target: channel.target, reply: { text: channelText(step) } });
      sent += 1;
    }
    if (step.kind === 'phase') continue;
    const p = step.proposal;
    const [owner] = await deps.db
      .select({ platform: identities.platform, externalId: identities.externalId })
      .from(users)
      .innerJoin(identities, eq(identities.userId, users.id))
      .where(or(sql`lower(${users.custodialAddress}) = lower(${p.proposer})`, sql`lower(${users.walletAddress}) = lower(${p.proposer})`))
      .orderBy(desc(identities.id))
      .limit(1);
    if (!owner) continue;
    const text =
      step.kind === 'queued'
        ? `🏛 Your treasury proposal *${p.title}* passed and is queued in the timelock. It can be executed from ${utcMinute(step.eta)}, when the timelock's delay is over; the platform executes it then.`
        : `🏛 Your treasury proposal *${p.title}* was executed: ${p.actions.join('; ')}.`;
    await deps.jobs.notify({ key: `treasury:${deps.chainId}:${p.id}:${step.kind}`, target: { identity: { platform: owner.platform, externalId: owner.externalId } }, reply: { text } });
    sent += 1;
  }
  return sent;
}
