import { describe, expect, it } from 'vitest';
import { createFsCheckpointStore, type CheckpointStore } from '../checkpoint/store.ts';
import { decodeCheckpoint } from '../checkpoint/format.ts';
import { AbortedError, ArchitectureMismatchError, CorruptCheckpointError, InvalidDatasetError } from '../errors.ts';
import { modelPresets } from '../model/config.ts';
import { faqDataset, tempDir, tinyBaseCheckpoint, wasmTf } from '../testing/fixtures.ts';
import type { TrainingProgress } from '../train/runTraining.ts';
import { assistantKeys, finetune } from './finetune.ts';

const opts = { minSteps: 12, maxSteps: 12, batchSize: 4, checkpointEvery: 4, learningRate: 3e-3 };

describe('finetune', async () => {
  const tf = await wasmTf();
  const deps = { tf, baseCheckpoint: tinyBaseCheckpoint() };

  it('trains from the base, reports progress, saves model + passages, returns a loss plot', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const store = createFsCheckpointStore({ dir });
      const progress: TrainingProgress[] = [];
      const r = await finetune(deps, { assistantId: 'a1', datasets: [faqDataset], store, onProgress: (p) => progress.push(p), ...opts });
      expect(r.checkpointKey).toBe('assistants/a1/model');
      expect(r.losses).toHaveLength(12);
      expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]!);
      expect(progress.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(progress[11]).toMatchObject({ totalSteps: 12, etaSec: 0 });
      expect(progress[0]!.tokensPerSec).toBeGreaterThan(0);
      expect(progress[0]!.epoch).toBeGreaterThanOrEqual(1);
      expect(Array.from(r.lossPlotPng.slice(1, 4))).toEqual([0x50, 0x4e, 0x47]); // "PNG"
      const model = decodeCheckpoint((await store.load(r.checkpointKey))!, { config: modelPresets.test });
      expect(model.info.status).toBe('done');
      const passages = JSON.parse(new TextDecoder().decode((await store.load(assistantKeys('a1').passages))!));
      expect(passages).toHaveLength(4);
      // A second call with the same data is idempotent: it returns the finished run.
      const again = await finetune(deps, { assistantId: 'a1', datasets: [faqDataset], store, ...opts });
      expect(again.resumed).toBe(true);
      expect(again.losses).toEqual(r.losses);
    } finally {
      await cleanup();
    }
  });

  it('resumes an interrupted run from its last checkpoint, not from zero', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const store = createFsCheckpointStore({ dir });
      const controller = new AbortController();
      const seen: number[] = [];
      const err = await finetune(deps, {
        assistantId: 'a2',
        datasets: [faqDataset],
        store,
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(p.step);
          if (p.step === 6) controller.abort(new Error('worker shutting down'));
        },
        ...opts,
      }).catch((e) => e);
      expect(err).toBeInstanceOf(AbortedError);
      expect(err.retryable).toBe(true);
      const saved = decodeCheckpoint((await store.load(assistantKeys('a2').training))!, { config: modelPresets.test });
      expect(saved.cursor.step).toBe(6);
      expect(saved.m).toBeDefined();
      const resumedSteps: number[] = [];
      const r = await finetune(deps, { assistantId: 'a2', datasets: [faqDataset], store, onProgress: (p) => resumedSteps.push(p.step), ...opts });
      expect(r.resumed).toBe(true);
      expect(resumedSteps).toEqual([7, 8, 9, 10, 11, 12]);
      expect(r.losses).toHaveLength(12);
    } finally {
      await cleanup();
    }
  });

  it('gives typed errors for a corrupt or foreign stored checkpoint and for bad datasets', async () => {
    const bytes = new Map<string, Uint8Array>();
    const store: CheckpointStore = { save: async (k, d) => void bytes.set(k, d), load: async (k) => bytes.get(k) ?? null };
    bytes.set(assistantKeys('a3').training, new TextEncoder().encode('definitely not a checkpoint, just some text bytes........'));
    await expect(finetune(deps, { assistantId: 'a3', datasets: [faqDataset], store, ...opts })).rejects.toBeInstanceOf(CorruptCheckpointError);
    bytes.set(assistantKeys('a3').training, tinyBaseCheckpoint({ ...modelPresets.test, nLayers: 2 }));
    await expect(finetune(deps, { assistantId: 'a3', datasets: [faqDataset], store, ...opts })).rejects.toBeInstanceOf(ArchitectureMismatchError);
    await expect(finetune(deps, { assistantId: 'a3', datasets: [{ ...faqDataset, text: '' }], store, ...opts })).rejects.toBeInstanceOf(InvalidDatasetError);
  });
});
