/**
 * Upload a dataset, build an assistant on it, wait for its fine-tune, and ask it a question.
 *
 *   CARAVAN_API_KEY=cvn_p_… npx tsx sdk/examples/quickstart.ts [http://127.0.0.1:3000]
 *
 * Get a personal key with `/apikey new` in the chat (the web chat of `npm start` is at
 * http://127.0.0.1:3000/chat). On `npm start` datasets are approved automatically while no
 * validators are appointed; elsewhere the example waits for their review.
 */
import { Caravan, CaravanError } from '../src/index.ts';

const baseUrl = process.argv[2] ?? process.env.CARAVAN_URL ?? 'http://127.0.0.1:3000';
const apiKey = process.env.CARAVAN_API_KEY;
if (!apiKey) {
  console.error('Set CARAVAN_API_KEY to a personal key (/apikey new in the chat).');
  process.exit(2);
}
const caravan = new Caravan({ baseUrl, apiKey });

const FAQ = `question,answer
How long is the warranty on a frame?,Every frame has a two-year warranty from the day of purchase.
Do you fix flat tyres?,Yes: a flat is fixed while you wait for a flat fee of 12 euros.
Can I return a bike?,Bikes can be returned within 30 days with the receipt for a full refund.
Do you rent bikes?,City bikes rent for 15 euros a day; e-bikes for 35 euros a day.
When are you open?,Monday to Saturday from 9 to 18; closed on Sundays.
`;

function bar(percent: number): string {
  const n = Math.round(percent / 5);
  return `[${'#'.repeat(n)}${'.'.repeat(20 - n)}] ${String(percent).padStart(3)}%`;
}

async function main() {
  const chain = await caravan.chain();
  console.log(`Caravan at ${baseUrl} — chain ${chain.chainId}`);

  // 1. Upload: stored and queued at once, then validated, encrypted and reviewed.
  const upload = await caravan.datasets.upload({ name: `bike-faq-${Date.now()}.csv`, content: FAQ }, { access: 'private' });
  const processed = await caravan.uploads.wait(upload.id);
  if (processed.status !== 'accepted' || !processed.dataset) throw new Error(`The upload was ${processed.status}: ${processed.reason}`);
  const dataset = await caravan.datasets.waitForReview(processed.dataset.id);
  console.log(`Dataset ${dataset.id}: ${dataset.status}`);
  if (dataset.status !== 'approved') throw new Error(`The dataset was ${dataset.status}.`);

  // 2. An assistant on it; its fine-tune starts at once.
  const assistant = await caravan.assistants.create({
    name: 'Bike Shop',
    tagline: 'Answers from our FAQ',
    instructions: 'A friendly bike shop assistant. Answer from the FAQ; if it does not cover the question, say you do not know.',
    datasets: [dataset.id],
    visibility: 'private',
  });
  console.log(`Assistant ${assistant.id} created; fine-tuning…`);

  // 3. Follow the fine-tune.
  const finetune = await caravan.finetunes.wait(assistant.id, {
    onProgress: (f) => {
      if (f.progress) process.stdout.write(`\r  ${bar(f.progress.percent)} step ${f.progress.step}/${f.progress.totalSteps} loss ${f.losses.at(-1)?.toFixed(3) ?? '…'}`);
    },
  });
  process.stdout.write('\n');
  if (finetune.status !== 'ready') throw new Error(`The fine-tune failed: ${finetune.error}`);
  console.log(`Ready: training loss ${finetune.losses[0]?.toFixed(3)} → ${finetune.losses.at(-1)?.toFixed(3)} over ${finetune.losses.length} steps`);
  const held = finetune.heldOutLoss;
  console.log(held ? `held-out loss ${held.before.toFixed(3)} → ${held.after.toFixed(3)} on ${held.rows} rows` : 'held-out loss: not measured (under 10 rows, all trained on)');

  // 4. Ask it: an answer is grounded in a row it cites, or it says it does not know (citing nothing).
  for (const question of ['Is there a guarantee on the frame?', 'What is the capital of Australia?']) {
    const reply = await caravan.assistants.ask(assistant.id, question);
    console.log(`\n> ${question}\n${reply.text}\n(grounded: ${reply.grounded})`);
    for (const c of reply.citations) console.log(`  [${c.index}] ${c.datasetName}, ${c.location}: ${c.snippet}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof CaravanError ? `${err.status} ${err.code}: ${err.message}` : err);
  process.exit(1);
});
