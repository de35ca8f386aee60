import { describe, expect, it } from 'vitest';
import { modelPresets } from '../model/config.ts';
import { wasmTf } from '../testing/fixtures.ts';
import { createByteTokenizer } from '../tokenizer/byteTokenizer.ts';
import { createBatchSource } from './batches.ts';
import { createParallelTrainer } from './createParallelTrainer.ts';
import { createTrainer } from './createTrainer.ts';

describe('createParallelTrainer', () => {
  it('two data-parallel workers follow the same trajectory as one trainer on the whole batch', async () => {
    const tf = await wasmTf();
    const source = createBatchSource(createByteTokenizer().encode('data parallel training keeps replicas identical. '.repeat(10)), { B: 4, T: 16, seed: 2 });
    const local = createTrainer(tf, { config: modelPresets.test, adam: { warmupSteps: 0 } });
    const parallel = await createParallelTrainer({ config: modelPresets.test, workers: 2, adam: { warmupSteps: 0 }, candidates: ['wasm'] });
    try {
      for (let s = 0; s < 4; s++) {
        const a = local.step(source.batch(s));
        const b = await parallel.step(source.batch(s));
        expect(b).toBeCloseTo(a, 4);
      }
      const [sa, sb] = [local.state(), await parallel.state()];
      expect(sb.step).toBe(4);
      const maxDiff = sa.weights.reduce((m, w, i) => Math.max(m, Math.abs(w - sb.weights[i]!)), 0);
      expect(maxDiff).toBeLessThan(1e-4);
    } finally {
      local.dispose();
      await parallel.dispose();
    }
  }, 60_000);
});
