/** What an assistant says when its data does not answer a question and its persona says nothing about it. */
export const DEFAULT_DONT_KNOW = "I don't know — the data I was given does not cover that.";

const notKnowing = /(do(?:es)? ?n[o’']t know|do(?:es)? not know|not sure|no answer|can(?:no|')t answer|unable to answer|n[o’']t cover|not cover|does(?:n[’']t| not) say|not in the|outside)/i;
const verb = /\b(?:say|tell|reply|respond|answer|write)\b(?:\s+(?:with|that))?/gi;

/**
 * The sentence an assistant abstains with, in its persona's words: a phrase the persona quotes for
 * that case ("…say \"I'm not sure, write to support\""), or the instruction turned into the first
 * person ("If the FAQ does not cover it, say you do not know" → "I do not know."). Personas that
 * say nothing about it get {@link DEFAULT_DONT_KNOW}.
 */
export function dontKnowLine(persona: string | undefined): string {
  if (!persona) return DEFAULT_DONT_KNOW;
  const text = persona.replace(/\s+/g, ' ');
  // A phrase quoted after "say"/"reply"/…, where the persona is talking about not knowing.
  for (const q of text.matchAll(/\b(?:say|tell|reply|respond|answer|write)\b[^"“]{0,40}?["“]([^"”]{3,300})["”]/gi)) {
    const context = text.slice(Math.max(0, q.index - 160), q.index + q[0].length);
    if (notKnowing.test(context)) return finish(q[1]!);
  }
  // Otherwise the instruction itself, turned into the first person.
  for (const s of text.split(/(?<=[.!?])\s+/)) {
    if (!notKnowing.test(s)) continue;
    for (const m of s.matchAll(verb)) {
      let clause = s.slice(m.index + m[0].length).trim();
      // "tell the guest you don't know" → "you don't know"; "say that you …" → "you …".
      clause = clause.replace(/^(?:(?:the|a|an) [\w-]+|them|him|her|people|users?|customers?|guests?)\s+(?=(?:that\s+)?you\b)/i, '').replace(/^that\s+/i, '');
      if (!/^you\b/i.test(clause)) continue;
      const first = clause
        .replace(/\byou are\b/gi, 'I am')
        .replace(/\byou're\b/gi, "I'm")
        .replace(/\byourself\b/gi, 'myself')
        .replace(/\byours\b/gi, 'mine')
        .replace(/\byour\b/gi, 'my')
        .replace(/\byou\b/gi, 'I')
        .replace(/\band that\b/gi, 'and')
        .replace(/[.!?]+$/, '');
      return finish(first);
    }
  }
  return DEFAULT_DONT_KNOW;
}

function finish(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}
