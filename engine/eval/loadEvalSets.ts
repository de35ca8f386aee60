import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { InvalidRequestError } from '../errors.ts';
import type { DatasetInput } from '../finetune/parseDatasets.ts';

/** The evaluation sets shipped with the project. */
export const defaultEvalSetsDir = fileURLToPath(new URL('./sets/', import.meta.url));

/** A question of an evaluation set: in scope with the row or line that answers it, or out of scope. */
export type EvalQuestion = { q: string; row: string | null };

export type EvalSet = { id: string; name: string; persona: string; datasets: DatasetInput[]; questions: EvalQuestion[] };

const setSchema = z.strictObject({
  name: z.string().min(1),
  persona: z.string().min(10),
  datasets: z.array(z.strictObject({ file: z.string().regex(/^[\w.-]+$/), format: z.enum(['csv', 'jsonl', 'txt', 'md']), name: z.string().min(1) })).min(1).max(1),
});
const questionSchema = z.union([z.strictObject({ q: z.string().min(1), row: z.string().regex(/^(row|line) \d+$/) }), z.strictObject({ q: z.string().min(1), outOfScope: z.literal(true) })]);

/**
 * Reads the evaluation sets under `dir`: one folder per set with `set.json` (name, persona, the
 * data file), the data file, and `questions.jsonl` (paraphrased questions with the row or line
 * that answers each, and out-of-scope questions).
 *
 * @throws {InvalidRequestError} for a malformed set, naming the file and line.
 */
export async function loadEvalSets(dir: string = defaultEvalSetsDir, only?: string[]): Promise<EvalSet[]> {
  const ids = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const unknown = (only ?? []).filter((id) => !ids.includes(id));
  if (unknown.length) throw new InvalidRequestError(`No evaluation set ${unknown.map((u) => `"${u}"`).join(', ')}; the sets are: ${ids.join(', ')}.`);
  const sets: EvalSet[] = [];
  for (const id of ids.filter((i) => !only || only.includes(i))) {
    const parsed = setSchema.safeParse(JSON.parse(await readFile(join(dir, id, 'set.json'), 'utf8')));
    if (!parsed.success) throw new InvalidRequestError(`Evaluation set ${id}/set.json: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const datasets = await Promise.all(
      parsed.data.datasets.map(async (d, i) => ({ id: `${id}-${i + 1}`, name: d.name, format: d.format, text: await readFile(join(dir, id, d.file), 'utf8') })),
    );
    const lines = (await readFile(join(dir, id, 'questions.jsonl'), 'utf8')).split('\n');
    const questions: EvalQuestion[] = [];
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      const q = questionSchema.safeParse(JSON.parse(line));
      if (!q.success) throw new InvalidRequestError(`Evaluation set ${id}/questions.jsonl line ${i + 1}: expected {"q", "row"} or {"q", "outOfScope": true}.`);
      questions.push({ q: q.data.q, row: 'row' in q.data ? q.data.row : null });
    });
    sets.push({ id, name: parsed.data.name, persona: parsed.data.persona, datasets, questions });
  }
  return sets;
}
