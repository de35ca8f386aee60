import type { Engine } from '../createEngine.ts';
import type { TrainingProgress } from '../train/runTraining.ts';
import type { EvalSet } from './loadEvalSets.ts';

/** Rates over a set's questions (0–1), and the counts they come from. */
export type EvalMetrics = {
  /** In-scope questions answered (grounded) with the right row or line cited first. */
  top1: number;
  /** Out-of-scope questions the assistant said it does not know. */
  abstention: number;
  /** In-scope questions the assistant said it does not know. */
  falseAbstention: number;
  inScope: number;
  outOfScope: number;
};

export type EvalSetResult = {
  id: string;
  name: string;
  /** The whole pipeline: retrieval plus the fine-tuned model. */
  assistant: EvalMetrics;
  /** Retrieval alone (`useModel: false`), so the model's contribution is the difference. */
  retrieval: EvalMetrics;
  heldOut: { before: number; after: number; documents: number } | null;
  steps: number;
  /** Questions the full pipeline got wrong: what was cited instead (null: it abstained). */
  misses: Array<{ q: string; expected: string | null; cited: string | null }>;
};

export type EvalResult = { sets: EvalSetResult[]; total: { assistant: EvalMetrics; retrieval: EvalMetrics } };

export type EvalProgress = { set: string; phase: 'finetune'; progress: TrainingProgress } | { set: string; phase: 'questions'; done: number; total: number };

/**
 * Builds an assistant per evaluation set through the engine the chat uses (fine-tune on the set's
 * data, then `engine.chat` with the set's persona), asks every question twice — the whole
 * pipeline and retrieval alone — and scores the answers.
 */
export async function runEval(
  deps: { engine: Pick<Engine, 'finetune' | 'chat'> },
  params: { sets: EvalSet[]; assistantPrefix?: string; finetune?: { minSteps?: number; maxSteps?: number; batchSize?: number }; onProgress?: (p: EvalProgress) => void },
): Promise<EvalResult> {
  const results: EvalSetResult[] = [];
  for (const set of params.sets) {
    const assistantId = `${params.assistantPrefix ?? 'eval'}-${set.id}`;
    const tuned = await deps.engine.finetune({
      assistantId,
      datasets: set.datasets,
      ...params.finetune,
      onProgress: (progress) => params.onProgress?.({ set: set.id, phase: 'finetune', progress }),
    });
    const full = tally();
    const alone = tally();
    const misses: EvalSetResult['misses'] = [];
    let done = 0;
    for (const question of set.questions) {
      const messages = [
        { role: 'system' as const, content: set.persona },
        { role: 'user' as const, content: question.q },
      ];
      const a = await deps.engine.chat(assistantId, messages, { useModel: true });
      const r = await deps.engine.chat(assistantId, messages, { useModel: false });
      const cited = a.grounded ? (a.citations[0]?.location ?? null) : null;
      full.add(question.row, a.grounded, cited);
      alone.add(question.row, r.grounded, r.grounded ? (r.citations[0]?.location ?? null) : null);
      if (cited !== question.row) misses.push({ q: question.q, expected: question.row, cited });
      params.onProgress?.({ set: set.id, phase: 'questions', done: ++done, total: set.questions.length });
    }
    results.push({ id: set.id, name: set.name, assistant: full.metrics(), retrieval: alone.metrics(), heldOut: tuned.heldOut, steps: tuned.steps, misses });
  }
  const sum = (pick: (r: EvalSetResult) => EvalMetrics) => combine(results.map(pick));
  return { sets: results, total: { assistant: sum((r) => r.assistant), retrieval: sum((r) => r.retrieval) } };
}

function tally() {
  let inScope = 0;
  let outOfScope = 0;
  let right = 0;
  let abstained = 0;
  let falseAbstained = 0;
  return {
    add(expected: string | null, grounded: boolean, cited: string | null) {
      if (expected === null) {
        outOfScope++;
        if (!grounded) abstained++;
        return;
      }
      inScope++;
      if (!grounded) falseAbstained++;
      else if (cited === expected) right++;
    },
    metrics(): EvalMetrics {
      return {
        top1: inScope ? right / inScope : 0,
        abstention: outOfScope ? abstained / outOfScope : 0,
        falseAbstention: inScope ? falseAbstained / inScope : 0,
        inScope,
        outOfScope,
      };
    },
  };
}

/** Rates over all questions of several sets together (weighted by their counts). */
function combine(ms: EvalMetrics[]): EvalMetrics {
  const inScope = ms.reduce((a, m) => a + m.inScope, 0);
  const outOfScope = ms.reduce((a, m) => a + m.outOfScope, 0);
  const over = (f: (m: EvalMetrics) => number, n: (m: EvalMetrics) => number, total: number) => (total ? ms.reduce((a, m) => a + f(m) * n(m), 0) / total : 0);
  return {
    top1: over((m) => m.top1, (m) => m.inScope, inScope),
    abstention: over((m) => m.abstention, (m) => m.outOfScope, outOfScope),
    falseAbstention: over((m) => m.falseAbstention, (m) => m.inScope, inScope),
    inScope,
    outOfScope,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The report `npm run eval:assistants` prints: a table per set and the four closing lines. */
export function formatEvalReport(result: EvalResult): string {
  const rows: string[][] = [['set', 'questions', 'steps', 'held-out loss', 'top-1', 'abstention', 'false abst.', 'retrieval top-1', 'retrieval abst.', 'retrieval false abst.']];
  const line = (name: string, r: { assistant: EvalMetrics; retrieval: EvalMetrics; steps?: number; heldOut?: EvalSetResult['heldOut'] }) => [
    name,
    `${r.assistant.inScope} + ${r.assistant.outOfScope}`,
    r.steps === undefined ? '' : String(r.steps),
    r.heldOut === undefined ? '' : r.heldOut ? `${r.heldOut.before.toFixed(3)} → ${r.heldOut.after.toFixed(3)}` : 'n/a',
    pct(r.assistant.top1),
    pct(r.assistant.abstention),
    pct(r.assistant.falseAbstention),
    pct(r.retrieval.top1),
    pct(r.retrieval.abstention),
    pct(r.retrieval.falseAbstention),
  ];
  for (const s of result.sets) rows.push(line(s.id, s));
  rows.push(line('all', result.total));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  const t = result.total;
  const gain = 100 * (t.assistant.top1 - t.retrieval.top1);
  return [
    ...table,
    '',
    'questions: in-scope paraphrases + out-of-scope; held-out loss in nats per byte (base → fine-tuned) on rows kept out of training',
    '',
    `eval top-1: ${pct(t.assistant.top1)}`,
    `eval abstention: ${pct(t.assistant.abstention)}`,
    `eval false abstention: ${pct(t.assistant.falseAbstention)}`,
    `eval model gain over retrieval: ${gain >= 0 ? '' : '-'}${Math.abs(gain).toFixed(1)} points`,
  ].join('\n');
}
