import { desc, eq, or, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.ts';
import { identities, users } from '../../platform/db/schema.ts';
import type { JobsPort } from '../../platform/jobsPort.ts';
import type { TreasuryStep } from './advanceTreasury.ts';
import { utcMinute } from '../../platform/messages/format.ts';

/**
 * Tells the proposer of each queued or executed treasury proposal what happened, in their private
 * chat on the transport they used last; once per proposal and step (the message key), however
 * often a pass repeats. Proposers the platform does not know (a wallet proposing directly) are
 * skipped.
 */
export async function announceTreasurySteps(deps: { db: Db; jobs: Pick<JobsPort, 'notify'>; chainId: number }, steps: readonly TreasuryStep[]): Promise<number> {
  let sent = 0;
  for (const step of steps) {
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
