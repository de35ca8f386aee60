import { stemmer } from 'stemmer';
import { eng } from 'stopword';

/**
 * Stop words: the `stopword` package's English list plus the words people put around a question
 * ("please", "tell", "know", …) that carry no topic. Negations stay (they change an answer).
 */
const stopWords = new Set<string>([
  ...eng.map((w: string) => w.toLowerCase()),
  ...'a i me we you your yours us our ours my mine it its there here please tell know want like would could should can may might does did do doing done get got also just any some'.split(' '),
]);
for (const keep of ['no', 'not', 'nor', 'without']) stopWords.delete(keep);

/** Whether a lower-case word is a stop word. */
export const isStopWord = (word: string) => stopWords.has(word);

const wordPattern = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/** Lower-case words of a text, apostrophe suffixes ("don't", "shop's") kept with their word. */
export function words(text: string): string[] {
  return text.toLowerCase().match(wordPattern) ?? [];
}

/**
 * Index terms of a text: words lower-cased, stop words dropped, Porter-stemmed (so "returned",
 * "returns" and "returning" are one term). Numbers and codes ("12345", "a7") are kept whole.
 */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const raw of words(text)) {
    const w = raw.replace(/['’]s$/, '').replace(/['’]/g, '');
    if (!w || stopWords.has(raw) || stopWords.has(w)) continue;
    if (/\p{N}/u.test(w)) out.push(w);
    else if (w.length > 1) out.push(stemmer(w));
  }
  return out;
}
