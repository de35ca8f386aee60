import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/selectBackend.ts';
import { encodeCheckpoint } from '../checkpoint/format.ts';
import { architectureFingerprint, initialWeights, modelPresets, type ModelConfig } from '../model/config.ts';
import type { DatasetInput } from '../finetune/parseDatasets.ts';

/** tfjs on the wasm backend (what production uses here). */
export async function wasmTf() {
  await selectBackend({ tf }, { candidates: ['wasm'] });
  return tf;
}

/** A fresh temporary directory and its cleanup. */
export async function tempDir(prefix = 'caravan-engine-') {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A weights-only "base" checkpoint of the tiny test model (random weights). */
export function tinyBaseCheckpoint(config: ModelConfig = modelPresets.test, seed = 3): Uint8Array {
  return encodeCheckpoint({
    fingerprint: architectureFingerprint(config),
    config,
    tokenizer: 'bytes-v1',
    cursor: { step: 0, totalSteps: 0, epoch: 0, seed },
    losses: [],
    info: { kind: 'base' },
    createdAt: new Date(0).toISOString(),
    weights: initialWeights(config, seed),
    optimizerStep: 0,
  });
}

/** A small Q&A dataset. */
export const faqDataset: DatasetInput = {
  id: 'ds-faq',
  name: 'Refund FAQ',
  format: 'csv',
  text: [
    'question,answer',
    'How long do refunds take?,Refunds arrive within 5 business days.',
    'Can I cancel my order?,"Yes, orders can be cancelled until they ship."',
    'Do you ship abroad?,We ship to 40 countries in Europe and Asia.',
    'What is the warranty?,Every device has a two year warranty.',
  ].join('\n'),
};
