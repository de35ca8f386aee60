import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { wasmTf } from '../testing/fixtures.ts';
import { initialWeights, modelPresets } from './config.ts';
import { createOps, opsFlavorFor, type OpsFlavor } from './ops.ts';
import { createTransformer } from './transformer.ts';

/** Max |a − b| over all gradients. */
const maxDiff = (a: Tensor[], b: Tensor[]) => Math.max(...a.map((t, i) => (t.sub(b[i]!).abs().max().dataSync()[0] ?? Infinity)));

const flavors: OpsFlavor[] = ['wasm', 'batched'];

it('the formulation follows the backend', () => {
  expect(opsFlavorFor('wasm')).toBe('wasm');
  expect(opsFlavorFor('tensorflow')).toBe('batched');
  expect(opsFlavorFor('cpu')).toBe('batched');
});

// Both formulations run here on wasm (the kernels they use exist on every backend); each must equal
// tfjs autodiff of the plain definition.
describe.each(flavors)('custom-gradient ops (%s formulation) match tfjs autodiff', async (flavor) => {
  const tf = await wasmTf();
  const ops = createOps(tf, { dModel: 8, nHeads: 2 }, { flavor });
  const rnd = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

  it('linear (with and without relu)', () => {
    const x = rnd([6, 8], 1) as Tensor2D;
    const w = rnd([8, 12], 2) as Tensor2D;
    const b = rnd([12], 3) as Tensor1D;
    const w2 = rnd([12, 4], 4) as Tensor2D;
    for (const relu of [false, true]) {
      const ours = tf.grads((x1: Tensor, w1: Tensor, b1: Tensor) => tf.sum(tf.square(ops.linear(x1 as Tensor2D, w1 as Tensor2D, b1 as Tensor1D, relu))))([x, w, b]);
      const ref = tf.grads((x1: Tensor, w1: Tensor, b1: Tensor) => {
        const y = tf.add(tf.matMul(x1 as Tensor2D, w1 as Tensor2D), b1);
        return tf.sum(tf.square(relu ? tf.relu(y) : y));
      })([x, w, b]);
      expect(maxDiff(ours, ref)).toBeLessThan(1e-3);
    }
    // in > out takes the other transpose branch
    const x2 = rnd([6, 12], 5) as Tensor2D;
    const ours = tf.grads((a: Tensor, c: Tensor) => tf.sum(tf.square(ops.linear(a as Tensor2D, c as Tensor2D, tf.zeros([4]) as Tensor1D))))([x2, w2]);
    const ref = tf.grads((a: Tensor, c: Tensor) => tf.sum(tf.square(tf.matMul(a as Tensor2D, c as Tensor2D))))([x2, w2]);
    expect(maxDiff(ours, ref)).toBeLessThan(1e-3);
  });

  it('layerNorm', () => {
    const x = rnd([5, 8], 6) as Tensor2D;
    const g = rnd([8], 7) as Tensor1D;
    const b = rnd([8], 8) as Tensor1D;
    const target = rnd([5, 8], 9);
    const ours = tf.grads((a: Tensor, c: Tensor, d: Tensor) => tf.sum(tf.mul(ops.layerNorm(a as Tensor2D, c as Tensor1D, d as Tensor1D), target)))([x, g, b]);
    const ref = tf.grads((a: Tensor, c: Tensor, d: Tensor) => {
      const { mean, variance } = tf.moments(a, -1, true);
      return tf.sum(tf.mul(tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5))), c), d), target));
    })([x, g, b]);
    expect(maxDiff(ours, ref)).toBeLessThan(1e-3);
  });

  it('causal attention from fused qkv equals the per-head reference, values and gradients', () => {
    const B = 3;
    const T = 5;
    const qkv = rnd([B * T, 24], 10) as Tensor2D;
    const target = rnd([B * T, 8], 13);
    const reference = (x: Tensor) => {
      const [q1, k1, v1] = tf.split(x, 3, 1);
      const heads = (t: Tensor) => tf.transpose(tf.reshape(t, [B, T, 2, 4]), [0, 2, 1, 3]);
      const s = tf.div(tf.matMul(heads(q1!) as Tensor, heads(k1!) as Tensor, false, true), Math.sqrt(4));
      const mask = tf.linalg.bandPart(tf.ones([T, T]), -1, 0);
      const p = tf.softmax(tf.add(s, tf.mul(tf.sub(1, mask), -1e9)));
      return tf.reshape(tf.transpose(tf.matMul(p, heads(v1!)), [0, 2, 1, 3]), [B * T, 8]);
    };
    const ours = ops.attention(qkv, B, T);
    expect(ours.shape).toEqual([B * T, 8]);
    expect(ours.sub(reference(qkv)).abs().max().dataSync()[0]).toBeLessThan(1e-4);
    const g1 = tf.grads((a: Tensor) => tf.sum(tf.mul(ops.attention(a as Tensor2D, B, T), target)))([qkv]);
    const g2 = tf.grads((a: Tensor) => tf.sum(tf.mul(reference(a), target)))([qkv]);
    expect(g1[0]!.shape).toEqual([B * T, 24]);
    expect(maxDiff(g1, g2)).toBeLessThan(1e-3);
  });

  it('constants cached per length stay apart (T = 1 after T = 21)', () => {
    for (const T of [21, 1]) {
      const qkv = rnd([T, 24], 17) as Tensor2D;
      const out = ops.attention(qkv, 1, T);
      expect(out.shape).toEqual([T, 8]);
      // the first position attends only to itself: its output is its own v
      const v0 = tf.slice(qkv, [0, 16], [1, 8]);
      expect(tf.slice(out, [0, 0], [1, 8]).sub(v0).abs().max().dataSync()[0]).toBeLessThan(1e-5);
    }
  });

  it('embedding and cross-entropy', () => {
    const table = rnd([10, 8], 14) as Tensor2D;
    const ids = tf.tensor1d([1, 3, 3, 9], 'int32');
    const target = rnd([4, 8], 15);
    const [ge] = tf.grads((t: Tensor) => tf.sum(tf.mul(ops.embedding(ids, t as Tensor2D), target)))([table]);
    const [gr] = tf.grads((t: Tensor) => tf.sum(tf.mul(tf.matMul(tf.oneHot(ids, 10).toFloat() as Tensor2D, t as Tensor2D), target)))([table]);
    expect(maxDiff([ge!], [gr!])).toBeLessThan(1e-4);
    const logits = rnd([4, 10], 16) as Tensor2D;
    const ce = ops.crossEntropy(logits, ids).dataSync()[0]!;
    const refLoss = (l: Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(l), tf.oneHot(ids, 10).toFloat()), -1)));
    const refCe = refLoss(logits).dataSync()[0]!;
    expect(ce).toBeCloseTo(refCe, 4);
    const [gc] = tf.grads((l: Tensor) => ops.crossEntropy(l as Tensor2D, ids))([logits]);
    const [gref] = tf.grads((l: Tensor) => refLoss(l))([logits]);
    expect(maxDiff([gc!], [gref!])).toBeLessThan(1e-4);
  });
});

describe('the whole model computes the same function in both formulations', async () => {
  const tf = await wasmTf();
  it('loss and gradient of every parameter agree (2 layers, 3 sequences)', () => {
    const config = { ...modelPresets.test, nLayers: 2 };
    const B = 3;
    const T = 12;
    const ids = tf.tensor1d(Int32Array.from({ length: B * T }, (_, i) => (i * 37 + 5) % 256), 'int32');
    const targets = tf.tensor1d(Int32Array.from({ length: B * T }, (_, i) => (i * 11 + 3) % 256), 'int32');
    const flat = tf.tensor1d(initialWeights(config, 5).map((w) => w * 8));
    const run = (flavor: OpsFlavor) => {
      const model = createTransformer(tf, config, { flavor });
      const { value, grad } = tf.valueAndGrad((w: Tensor) => model.loss(model.views(w as Tensor1D), ids, targets, B, T))(flat);
      const out = { loss: value.dataSync()[0]!, grad: grad.dataSync() as Float32Array };
      model.dispose();
      return out;
    };
    const a = run('wasm');
    const b = run('batched');
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-4);
    const scale = a.grad.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(scale).toBeGreaterThan(0);
    const diff = a.grad.reduce((m, v, i) => Math.max(m, Math.abs(v - b.grad[i]!)), 0);
    expect(diff / scale).toBeLessThan(1e-4);
  });
});
