import { describe, expect, it } from 'vitest';
import { ConfigError } from '../platform/errors.ts';
import { governanceFrom } from './governanceFrom.ts';
import { loadConfig } from './loadConfig.ts';

describe('loadConfig', () => {
  it('uses the dev defaults when nothing is set', () => {
    const c = loadConfig({}, '/tmp/x');
    expect(c.home).toBe('/tmp/x/.caravan');
    expect(c.PORT).toBe(3000);
    expect(c.embedded).toEqual({ postgres: true, redis: true, chain: true });
    expect(c.publicUrl).toBe('http://127.0.0.1:3000');
  });

  it('reads GOVERNANCE_CHANNELS, and refuses a bad entry or a channel whose bot has no token, naming the variable', () => {
    const c = loadConfig({ GOVERNANCE_CHANNELS: 'discord:123456789012345678,web:8c6e9a4e-2b1f-4c59-9a57-2b8f2b2b2b2b', DISCORD_TOKEN: 'x' });
    expect(c.GOVERNANCE_CHANNELS.map((ch) => ch.id)).toEqual(['discord:123456789012345678', 'web:8c6e9a4e-2b1f-4c59-9a57-2b8f2b2b2b2b']);
    expect(loadConfig({}).GOVERNANCE_CHANNELS).toEqual([]);
    expect(() => loadConfig({ GOVERNANCE_CHANNELS: 'discord:42', DISCORD_TOKEN: 'x' })).toThrow('GOVERNANCE_CHANNELS: “discord:42”: discord needs a channel id (17 to 20 digits)');
    expect(() => loadConfig({ GOVERNANCE_CHANNELS: 'discord:123456789012345678' })).toThrow('GOVERNANCE_CHANNELS: discord:123456789012345678 needs DISCORD_TOKEN');
    expect(() => loadConfig({ GOVERNANCE_CHANNELS: 'telegram:-100123' })).toThrow('GOVERNANCE_CHANNELS: telegram:-100123 needs TELEGRAM_BOT_TOKEN');
    expect(() => loadConfig({ GOVERNANCE_POST_EDIT_INTERVAL: 'soon' })).toThrow(/GOVERNANCE_POST_EDIT_INTERVAL: expected a duration/);
    expect(() => loadConfig({ GOVERNANCE_PROPOSAL_URL: 'vote.example.org/{id}' })).toThrow(/GOVERNANCE_PROPOSAL_URL: expected a URL template/);
  });

  it('names the variable and what is expected when a value is malformed', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: /);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: expected a URL starting with postgres:/);
    expect(() => loadConfig({ MASTER_KEY: 'abc' })).toThrow(/MASTER_KEY: expected 32 bytes/);
  });

  it('requires real services in production; the operator key is asked for by the commands that send', () => {
    // `caravan api` and `caravan bots` may run without the operator key: loading the config does not ask for it.
    expect(loadConfig({ RPC_URL: 'http://node:8545' }).OPERATOR_PRIVATE_KEY).toBeUndefined();
    try {
      loadConfig({ NODE_ENV: 'production' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      for (const v of ['DATABASE_URL', 'REDIS_URL', 'RPC_URL', 'MASTER_KEY']) expect(msg).toContain(`${v}: required`);
    }
  });

  it('requires explicit governance settings and the Foundation in production, naming each', () => {
    const services = { DATABASE_URL: 'postgres://db/caravan', REDIS_URL: 'redis://redis', RPC_URL: 'http://node:8545', OPERATOR_PRIVATE_KEY: '11'.repeat(32), MASTER_KEY: '22'.repeat(32) };
    try {
      loadConfig({ NODE_ENV: 'production', ...services });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      for (const v of ['FOUNDATION_ADDRESS', 'GOV_VOTING_DELAY', 'GOV_VOTING_PERIOD', 'GOV_PROPOSAL_THRESHOLD', 'GOV_QUORUM_PERCENT', 'GOV_TIMELOCK_DELAY'])
        expect(msg).toContain(`${v}: required when NODE_ENV=production`);
    }
    const governance = {
      FOUNDATION_ADDRESS: '0x000000000000000000000000000000000000F0a1',
      GOV_VOTING_DELAY: '7200',
      GOV_VOTING_PERIOD: '50400',
      GOV_PROPOSAL_THRESHOLD: '1000',
      GOV_QUORUM_PERCENT: '4',
      GOV_TIMELOCK_DELAY: '2d',
    };
    const c = loadConfig({ NODE_ENV: 'production', ...services, ...governance });
    expect(governanceFrom(c)).toEqual({
      votingDelay: 7200,
      votingPeriod: 50_400,
      proposalThreshold: 1000n * 10n ** 18n,
      quorumPercent: 4,
      timelockDelay: 172_800n,
      receiptVoteBps: 3000,
    });
    // Development: dev defaults for what is unset.
    expect(governanceFrom(loadConfig({ GOV_VOTING_PERIOD: '100' }))).toEqual({ votingPeriod: 100, receiptVoteBps: 3000 });
  });

  it('refuses a quorum that token holders alone or receipt holders alone could not reach', () => {
    expect(() => loadConfig({ GOV_QUORUM_PERCENT: '31' })).toThrow(/GOV_QUORUM_PERCENT: at most 30 with GOV_RECEIPT_VOTE_BPS=3000/);
    expect(() => loadConfig({ GOV_QUORUM_PERCENT: '10', GOV_RECEIPT_VOTE_BPS: '9500' })).toThrow(/GOV_QUORUM_PERCENT: at most 5/);
    expect(() => loadConfig({ GOV_PROPOSAL_THRESHOLD: 'lots' })).toThrow(/GOV_PROPOSAL_THRESHOLD: expected an amount of CVN/);
    expect(() => loadConfig({ FOUNDATION_ADDRESS: '0x123' })).toThrow(/FOUNDATION_ADDRESS: expected an address/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: '', REDIS_URL: '' }).embedded.redis).toBe(true);
  });
});
