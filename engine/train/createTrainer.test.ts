import { describe, expect, it } from 'vitest';
import { modelPresets } from '../model/config.ts';
import { wasmTf } from '../testing/fixtures.ts';
import { createByteTokenizer } from '../tokenizer/byteTokenizer.ts';
import { createBatchSource } from './batches.ts';
import { createTrainer } from './createTrainer.ts';

describe('createTrainer', async () => {
  const tf = await wasmTf();
  const tokens = createByteTokenizer().encode('the quick brown fox jumps over the lazy dog. '.repeat(20));
  const source = createBatchSource(tokens, { B: 4, T: 16, seed: 1 });

  it('learns: loss falls well below the uniform 5.55 nats on a repeated sentence', () => {
    const trainer = createTrainer(tf, { config: modelPresets.test, adam: { learningRate: 3e-3, warmupSteps: 5 } });
    const first = trainer.step(source.batch(0));
    let last = first;
    for (let s = 1; s < 60; s++) last = trainer.step(source.batch(s));
    expect(first).toBeGreaterThan(5);
    expect(last).toBeLessThan(3);
    trainer.dispose();
  });

  it('state round-trips: a restored trainer continues identically', () => {
    const a = createTrainer(tf, { config: modelPresets.test });
    for (let s = 0; s < 3; s++) a.step(source.batch(s));
    const b = createTrainer(tf, { config: modelPresets.test, state: a.state() });
    expect(b.step(source.batch(3))).toBeCloseTo(a.step(source.batch(3)), 5);
    expect(b.state().step).toBe(4);
    a.dispose();
    b.dispose();
  });

  it('gradient + apply equals step (the data-parallel path)', () => {
    const a = createTrainer(tf, { config: modelPresets.test });
    const b = createTrainer(tf, { config: modelPresets.test });
    const la = a.step(source.batch(0));
    const { loss, grad } = b.gradient(source.batch(0));
    b.apply(grad);
    expect(loss).toBeCloseTo(la, 5);
    expect(b.evaluate(source.batch(1))).toBeCloseTo(a.evaluate(source.batch(1)), 5);
    a.dispose();
    b.dispose();
  });

  it('batches are deterministic per step (the resume cursor is the step number)', () => {
    expect(source.batch(7).inputs).toEqual(createBatchSource(tokens, { B: 4, T: 16, seed: 1 }).batch(7).inputs);
    expect(source.batch(7).targets[0]).toBe(source.batch(7).inputs[1]);
  });
});
