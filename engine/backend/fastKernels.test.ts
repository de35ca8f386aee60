import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { wasmTf } from '../testing/fixtures.ts';

describe('installFastWasmKernels', () => {
  it('slice, split and unstack give the same values as the cpu backend', async () => {
    await wasmTf();
    expect(tf.getKernel('Slice', 'wasm')?.kernelFunc).toHaveProperty('caravanFast', true);
    const data = Array.from({ length: 3 * 5 * 7 * 4 }, (_, i) => i);
    const run = () => {
      const x = tf.tensor4d(data, [3, 5, 7, 4]);
      const ints = tf.tensor2d(data.slice(0, 20), [4, 5], 'int32');
      return JSON.stringify([
        tf.slice(x, [1, 2, 0, 1], [2, 3, 7, 2]).arraySync(),
        tf.slice(x, [2, 0, 0, 0], [1, 5, 7, 4]).arraySync(),
        tf.split(x, [2, 3, 2], 2).map((t) => t.arraySync()),
        tf.unstack(x, 1).map((t) => t.arraySync()),
        tf.split(tf.reshape(x, [420]), [100, 0, 320]).map((t) => t.arraySync()),
        tf.slice(ints, [1, 1], [2, 3]).arraySync(),
      ]);
    };
    const fast = run();
    await tf.setBackend('cpu');
    const reference = run();
    await wasmTf();
    expect(fast).toBe(reference);
  });
});
