/**
 * A small paraphrase retrieval check for the word-vector table: 30 FAQ rows of a bike shop and,
 * for each, two questions a customer might ask in other words (written for this check, not tuned
 * to any method). `runParaphraseCheck` ranks the rows for every question by dense similarity
 * (SIF sentence vectors), by a plain term-overlap baseline (BM25 over lower-cased, lightly
 * stemmed words) and by a mix of both, and returns each method's top-1 rate.
 *
 * Used by the tests (wordVectors.test.ts) and printed by `npm run engine:vectors`.
 */
import { alignmentScore, cosine, defaultStopWords, embedText, fitCommonComponent, type WordVectors } from '../wordVectors.ts';

export type FaqRow = { question: string; answer: string; paraphrases: readonly [string, string] };

export const faqRows: readonly FaqRow[] = [
  { question: 'How long does a refund take?', answer: 'Refunds are issued to your original payment method within 5 business days after we receive the returned item.', paraphrases: ['When will I get my money back?', "How many days until I'm reimbursed?"] },
  { question: 'Can I cancel my order?', answer: 'Orders can be cancelled free of charge until they are dispatched from our warehouse.', paraphrases: ['Is it possible to call off a purchase I just made?', 'I changed my mind, can I stop it before it is sent?'] },
  { question: 'How long do I have to return an item?', answer: 'You can return unused items within 30 days of delivery for a full refund.', paraphrases: ['What is the deadline for sending something back?', 'How many days after it arrives can I send a bike back?'] },
  { question: 'Do you ship internationally?', answer: 'We deliver to all EU countries, the UK, Switzerland and Norway; shipping abroad takes 5 to 8 days.', paraphrases: ['Can you send bikes to other countries?', 'Do you deliver outside France?'] },
  { question: 'How much does shipping cost?', answer: 'Delivery is free on orders over 100 euros; below that it costs 6.90 euros.', paraphrases: ['What are the postage charges?', 'Is there a fee for sending my purchase to my house?'] },
  { question: 'What warranty do bikes have?', answer: 'Frames carry a lifetime guarantee against manufacturing defects; components are covered for two years.', paraphrases: ['If my frame cracks, will you replace it?', 'How long is a new bicycle guaranteed?'] },
  { question: 'Which payment methods do you accept?', answer: 'We accept Visa, Mastercard, PayPal, bank transfer and payment in three instalments.', paraphrases: ['Can I pay with a credit card?', 'What ways of paying are there?'] },
  { question: 'Do you offer financing?', answer: 'You can spread the cost over 3, 6 or 12 months with our financing partner, interest-free on 3 months.', paraphrases: ['Can I pay monthly for an expensive e-bike?', 'Is there a loan option?'] },
  { question: 'How do I choose the right frame size?', answer: 'Measure your inseam and height, then use the size chart on each product page; our staff can also fit you in store.', paraphrases: ['What bicycle fits someone of my height?', "I'm 1.80 m tall, which model is big enough for me?"] },
  { question: 'Do you repair bikes?', answer: 'Our workshop services all brands; a basic tune-up costs 49 euros and takes two days.', paraphrases: ['Can you fix my broken bicycle?', 'How much is a maintenance check for my bike?'] },
  { question: 'How do I fix a flat tyre?', answer: 'Remove the wheel, take out the inner tube, patch or replace it, and inflate to the pressure printed on the tyre sidewall.', paraphrases: ['My tire has a puncture, what should I do?', 'How to mend a punctured tube?'] },
  { question: 'How often should I charge my e-bike battery?', answer: 'Charge the battery after every ride and store it at about 60 percent if you will not ride for weeks.', paraphrases: ['When do I need to plug in the electric bike?', 'How should I keep the e-bike power pack over winter?'] },
  { question: 'How far can the e-bike go on one charge?', answer: 'The range is 60 to 120 km depending on assist level, terrain and rider weight.', paraphrases: ['What is the maximum distance with a full battery?', 'How many kilometres before the electric bike runs out?'] },
  { question: 'Where is your store?', answer: 'Our shop is at 12 Rue de la Gare in Lyon, next to the train station.', paraphrases: ["What's your address?", 'Where can I visit you in person?'] },
  { question: 'What are your opening hours?', answer: 'We are open Tuesday to Saturday from 9 am to 7 pm; closed on Sundays and Mondays.', paraphrases: ['What time do you close in the evening?', 'Can I come by on a weekend?'] },
  { question: 'Can I rent a bike?', answer: 'Rental bikes are available by the day or week; a helmet and lock are included.', paraphrases: ['Do you hire out bicycles for a weekend?', 'I want to borrow a bike for a few days.'] },
  { question: 'Do you sell helmets?', answer: 'We stock helmets for road, mountain and city riding, from 39 euros.', paraphrases: ['Where can I buy head protection for cycling?', 'Can I get a safety hat from you?'] },
  { question: 'How do I track my order?', answer: 'Use the tracking link in your dispatch email, or log in to your account and open Orders.', paraphrases: ['Where is my package right now?', 'How can I see the delivery status of my parcel?'] },
  { question: 'I forgot my password.', answer: 'Click "Forgot password" on the login page and we will email you a reset link.', paraphrases: ["I can't sign in to my account", 'How do I recover my login credentials?'] },
  { question: 'Can I change my delivery address?', answer: 'Contact us before the order ships and we will update the address at no cost.', paraphrases: ['I moved, can the parcel go to my new home?', 'How do I modify where my purchase is sent?'] },
  { question: 'Do you have gift cards?', answer: 'Gift vouchers from 20 to 500 euros can be bought online or in store and are valid for two years.', paraphrases: ['Can I buy a voucher as a present?', 'Do you sell gift certificates?'] },
  { question: 'Do you offer student discounts?', answer: 'Students get 10 percent off full-price items with a valid student card.', paraphrases: ['Is there a reduction for university students?', 'Are prices cheaper if I am at college?'] },
  { question: 'What if my order arrives damaged?', answer: 'If a product arrives broken, send us photos within 48 hours and we will replace it free of charge.', paraphrases: ['The box came and the wheel was bent', 'My delivery was broken, what now?'] },
  { question: 'Do you buy used bikes?', answer: 'We take used bikes in part exchange against a new one after an inspection in our workshop.', paraphrases: ['Can I trade in my old bicycle?', 'Will you give me credit for my second-hand bike?'] },
  { question: 'How do I adjust my brakes?', answer: 'Turn the barrel adjuster on the brake lever to tighten the cable until the pads grip firmly.', paraphrases: ['My brakes feel loose, how do I tighten them?', "The bike won't stop properly"] },
  { question: 'Which tyre pressure should I use?', answer: 'Road tyres need 80 to 110 psi, mountain bike tyres 25 to 35 psi; the range is printed on the sidewall.', paraphrases: ['How much air should I put in my tires?', 'How hard should I pump the wheels of a mountain bike?'] },
  { question: 'Do you offer bike insurance?', answer: 'We partner with an insurer covering theft and accidental damage from 5 euros per month.', paraphrases: ['What happens if my bike is stolen?', 'Can I protect my bicycle against theft?'] },
  { question: 'Is assembly included?', answer: 'Bikes are delivered 95 percent assembled; you only attach the handlebar and pedals with the tools provided.', paraphrases: ['Will the bike come ready to ride?', 'Do I need to put the bicycle together myself?'] },
  { question: 'Can kids ride e-bikes?', answer: "Electric bikes are for riders aged 14 and over; we sell balance bikes and children's bikes for younger riders.", paraphrases: ['What age can a child use an electric bicycle?', 'Do you have something for my 6 year old?'] },
  { question: 'How do I contact customer service?', answer: 'Call us at 04 72 00 00 00 or write to help@example.com; we reply within one business day.', paraphrases: ['What is your phone number?', 'How can I reach support?'] },
];

/** Lower-cased words, stop words dropped, a light suffix stem (so "refunds" meets "refund"). */
function overlapTerms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((t) => t.length > 1 && !defaultStopWords.has(t))
    .map((t) => t.replace(/(?:ies|es|s|ed|ing)$/u, (m) => (t.length - m.length >= 3 ? '' : m)));
}

/** BM25 (k1 1.2, b 0.75) scores of every document for the query. */
function bm25Scores(docs: string[][], query: string[]): number[] {
  const n = docs.length;
  const avgdl = docs.reduce((s, d) => s + d.length, 0) / n;
  const df = new Map<string, number>();
  for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
  return docs.map((d) => {
    let score = 0;
    for (const t of new Set(query)) {
      const f = d.filter((x) => x === t).length;
      if (f === 0) continue;
      const dft = df.get(t)!;
      const idf = Math.log(1 + (n - dft + 0.5) / (dft + 0.5));
      score += (idf * f * 2.2) / (f + 1.2 * (0.25 + (0.75 * d.length) / avgdl));
    }
    return score;
  });
}

function argmax(xs: number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

export type ParaphraseCheckResult = {
  queries: number;
  /** Top-1 correct-row rates, 0…1. */
  overlap: number;
  dense: number;
  /** Dense with SIF's common component (fitted on the rows) removed. */
  denseCommon: number;
  /** Dense with words also weighted by their IDF over the rows (`termWeight`). */
  denseIdf: number;
  /** `denseIdf`'s cosine plus the IDF-weighted word {@link alignmentScore}. */
  denseIdfAlign: number;
  /** BM25 scaled to [0, 1] by its best score, plus `denseWeight` × cosine. */
  hybrid: { denseWeight: number; top1: number }[];
};

/** Runs the check on `rows` (default: {@link faqRows}); a row's text is its question and answer. */
export function runParaphraseCheck(vectors: WordVectors, rows: readonly FaqRow[] = faqRows): ParaphraseCheckResult {
  const texts = rows.map((r) => `${r.question} ${r.answer}`);
  const docTerms = texts.map(overlapTerms);
  const plain = texts.map((t) => embedText(vectors, t));
  const common = fitCommonComponent(plain.filter((v): v is Float32Array => v !== null));
  const withCommon = texts.map((t) => embedText(vectors, t, { commonComponent: common }));
  const df = new Map<string, number>();
  for (const t of texts) for (const w of new Set(t.toLowerCase().match(/[\p{L}\p{N}]+/gu))) df.set(w, (df.get(w) ?? 0) + 1);
  const idf = (w: string) => Math.log(1 + (rows.length - (df.get(w) ?? 0) + 0.5) / ((df.get(w) ?? 0) + 0.5));
  const weighted = texts.map((t) => embedText(vectors, t, { termWeight: idf }));
  const weights = [0.25, 0.5, 1, 2, 4];
  let overlap = 0;
  let dense = 0;
  let denseCommon = 0;
  let denseIdf = 0;
  let denseIdfAlign = 0;
  const hybridHits = weights.map(() => 0);
  let queries = 0;
  rows.forEach((row, target) => {
    for (const q of row.paraphrases) {
      queries++;
      const lexical = bm25Scores(docTerms, overlapTerms(q));
      const qv = embedText(vectors, q);
      const qc = embedText(vectors, q, { commonComponent: common });
      const cos = plain.map((d) => (d && qv ? cosine(d, qv) : 0));
      const cosCommon = withCommon.map((d) => (d && qc ? cosine(d, qc) : 0));
      const qw = embedText(vectors, q, { termWeight: idf });
      const cosIdf = weighted.map((d) => (d && qw ? cosine(d, qw) : 0));
      // An all-zero score list ranks nothing: count it as a miss, not as row 0.
      const top = (xs: number[]) => (xs.some((x) => x !== 0) ? argmax(xs) : -1);
      if (top(lexical) === target) overlap++;
      if (top(cos) === target) dense++;
      if (top(cosCommon) === target) denseCommon++;
      if (top(cosIdf) === target) denseIdf++;
      if (top(texts.map((t, i) => cosIdf[i]! + alignmentScore(vectors, q, t, { termWeight: idf }))) === target) denseIdfAlign++;
      const maxLex = Math.max(...lexical) || 1;
      weights.forEach((w, k) => {
        if (top(lexical.map((s, i) => s / maxLex + w * cos[i]!)) === target) hybridHits[k]!++;
      });
    }
  });
  return {
    queries,
    overlap: overlap / queries,
    dense: dense / queries,
    denseCommon: denseCommon / queries,
    denseIdf: denseIdf / queries,
    denseIdfAlign: denseIdfAlign / queries,
    hybrid: weights.map((denseWeight, k) => ({ denseWeight, top1: hybridHits[k]! / queries })),
  };
}
