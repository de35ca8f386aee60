import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../errors.ts';
import { selectBackend } from './selectBackend.ts';

describe('selectBackend', () => {
  it('skips the missing native packages and picks wasm, saying why', async () => {
    const r = await selectBackend({ tf });
    expect(r.name).toBe('wasm');
    expect(r.skipped.map((s) => s.candidate)).toEqual(['tensorflow-gpu', 'tensorflow']);
    expect(r.skipped[0]!.reason).toMatch(/not installed/);
    expect(r.features.simd).toBe(true);
  });

  it('falls back to cpu when wasm fails to load', async () => {
    const importModule = async (s: string) => {
      throw new Error(`cannot load ${s}`);
    };
    const r = await selectBackend({ tf, importModule });
    expect(r.name).toBe('cpu');
    expect(r.skipped.find((s) => s.candidate === 'wasm')?.reason).toBe('cannot load @tensorflow/tfjs-backend-wasm');
    await selectBackend({ tf }, { candidates: ['wasm'] });
  });

  it('throws BackendUnavailableError when nothing loads', async () => {
    const importModule = async () => {
      throw new Error('broken');
    };
    const err = await selectBackend({ tf, importModule }, { candidates: ['tensorflow-gpu', 'tensorflow'] }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('tensorflow-gpu: broken');
  });
});
