import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tinyBaseCheckpoint } from '../../engine/testing/fixtures.ts';

/** Writes the engine's tiny test model as a base checkpoint file, so e2e fine-tunes take seconds. */
export function writeTinyBase(): { file: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-base-'));
  const file = path.join(dir, 'base.ckpt');
  fs.writeFileSync(file, tinyBaseCheckpoint());
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
