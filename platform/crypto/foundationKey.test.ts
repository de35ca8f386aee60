import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { ANVIL_DEV_KEY } from '../chain/clients.ts';
import { ConfigError } from '../errors.ts';
import { FOUNDATION_KEY_FILE, loadDevFoundationKey } from './foundationKey.ts';

describe('loadDevFoundationKey', () => {
  const homes: string[] = [];
  const home = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-foundation-'));
    homes.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of homes.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('generates a key of its own under CARAVAN_HOME, mode 0600, and keeps it across starts', () => {
    const dir = home();
    const first = loadDevFoundationKey({ home: dir });
    const file = path.join(dir, FOUNDATION_KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadDevFoundationKey({ home: dir }).address).toBe(first.address);
    expect(first.address).not.toBe(privateKeyToAccount(ANVIL_DEV_KEY).address); // never the operator
    expect(loadDevFoundationKey({ home: home() }).address).not.toBe(first.address);
  });

  it('refuses a corrupt key file', () => {
    const dir = home();
    fs.writeFileSync(path.join(dir, FOUNDATION_KEY_FILE), 'nope\n');
    expect(() => loadDevFoundationKey({ home: dir })).toThrow(ConfigError);
  });
});
