import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsCheckpointStore } from '../checkpoint/store.ts';
import { createEngine } from '../createEngine.ts';
import { InvalidRequestError } from '../errors.ts';
import { parseDatasets } from '../finetune/parseDatasets.ts';
import { faqDataset, tempDir, tinyBaseCheckpoint } from '../testing/fixtures.ts';
import { defaultEvalSetsDir, loadEvalSets } from './loadEvalSets.ts';
import { formatEvalReport, runEval } from './runEval.ts';

describe('the evaluation harness', async () => {
  const { dir, cleanup } = await tempDir();
  const engine = await createEngine({ tf, store: createFsCheckpointStore({ dir: join(dir, 'store') }), baseCheckpoint: tinyBaseCheckpoint(), training: { workers: 1 }, serving: { workers: 1 } });
  afterAll(async () => {
    await engine.close();
    await cleanup();
  });

  const writeSet = async (id: string, questions: string[], set: object = { name: 'Shop', persona: 'A shop. If the FAQ does not cover it, say you do not know.', datasets: [{ file: 'faq.csv', format: 'csv', name: 'Refund FAQ' }] }) => {
    await mkdir(join(dir, 'sets', id), { recursive: true });
    await writeFile(join(dir, 'sets', id, 'set.json'), JSON.stringify(set));
    await writeFile(join(dir, 'sets', id, 'faq.csv'), faqDataset.text);
    await writeFile(join(dir, 'sets', id, 'questions.jsonl'), questions.join('\n'));
  };

  it('builds an assistant per set through the engine, scores both pipelines and prints the four closing lines', async () => {
    await writeSet('shop', [
      '{"q": "How long do refunds take?", "row": "row 1"}',
      '{"q": "Can I cancel my order?", "row": "row 2"}',
      '{"q": "Do you ship abroad?", "row": "row 4"}',
      '{"q": "Zebra quantum flux?", "outOfScope": true}',
    ]);
    const sets = await loadEvalSets(join(dir, 'sets'));
    expect(sets.map((s) => [s.id, s.questions.length])).toEqual([['shop', 4]]);
    const seen: string[] = [];
    const result = await runEval({ engine }, { sets, finetune: { minSteps: 2, maxSteps: 2, batchSize: 2 }, onProgress: (p) => seen.push(p.phase) });
    const [shop] = result.sets;
    // Rows 1 and 2 are found; "Do you ship abroad?" is row 3, so the expected row 4 counts as wrong.
    expect(shop!.assistant).toEqual({ top1: 2 / 3, abstention: 1, falseAbstention: 0, inScope: 3, outOfScope: 1 });
    expect(shop!.retrieval).toEqual(shop!.assistant);
    expect(shop!.misses).toEqual([{ q: 'Do you ship abroad?', expected: 'row 4', cited: 'row 3' }]);
    expect(shop!.heldOut).toBeNull();
    expect(seen).toContain('finetune');
    expect(seen).toContain('questions');
    const report = formatEvalReport(result).split('\n');
    expect(report.slice(-4)).toEqual(['eval top-1: 66.7%', 'eval abstention: 100.0%', 'eval false abstention: 0.0%', 'eval model gain over retrieval: 0.0 points']);
  }, 60_000);

  it('refuses malformed sets and unknown set names, naming the file', async () => {
    await writeSet('broken', ['{"q": "x", "row": "somewhere"}']);
    await expect(loadEvalSets(join(dir, 'sets'), ['broken'])).rejects.toThrow('broken/questions.jsonl line 1');
    await expect(loadEvalSets(join(dir, 'sets'), ['nope'])).rejects.toBeInstanceOf(InvalidRequestError);
    await writeSet('badset', [], { name: 'x', persona: 'short', datasets: [] });
    await expect(loadEvalSets(join(dir, 'sets'), ['badset'])).rejects.toThrow(/badset\/set.json: persona/);
  });

  it('the shipped sets are well formed: three domains, paraphrases naming a real row, out-of-scope questions', async () => {
    const sets = await loadEvalSets(defaultEvalSetsDir);
    expect(sets.length).toBeGreaterThanOrEqual(3);
    for (const s of sets) {
      const locations = new Set(parseDatasets(s.datasets).passages.map((p) => p.location));
      for (const q of s.questions) if (q.row) expect(locations.has(q.row), `${s.id}: ${q.q} → ${q.row}`).toBe(true);
      expect(s.questions.filter((q) => q.row).length).toBeGreaterThanOrEqual(30);
      expect(s.questions.filter((q) => !q.row).length).toBeGreaterThanOrEqual(15);
    }
  });
});
