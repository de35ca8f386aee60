/** One training-progress line with a bar: `[██████░░░░░░] 50% step 600/1200 loss 1.234 4,100 tok/s eta 2m05s`. */
export function progressLine(p: { step: number; totalSteps: number; epoch: number; tokensPerSec: number; etaSec: number }, loss: number, width = 24): string {
  const frac = p.totalSteps ? Math.min(1, p.step / p.totalSteps) : 0;
  const full = Math.round(frac * width);
  const eta = Number.isFinite(p.etaSec) ? `${Math.floor(p.etaSec / 60)}m${String(Math.round(p.etaSec % 60)).padStart(2, '0')}s` : '…';
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${String(Math.round(frac * 100)).padStart(3)}% step ${p.step}/${p.totalSteps} epoch ${p.epoch} loss ${loss.toFixed(3)} ${Math.round(p.tokensPerSec).toLocaleString('en')} tok/s eta ${eta}`;
}

/**
 * Reports progress on a terminal by redrawing one line, elsewhere (CI logs, pipes) by printing a
 * line every `every` steps.
 */
export function createProgressReporter(out: NodeJS.WriteStream = process.stdout, every = 10) {
  return {
    update(p: Parameters<typeof progressLine>[0], loss: number) {
      if (out.isTTY) out.write(`\r${progressLine(p, loss)}\x1b[K`);
      else if (p.step % every === 0 || p.step === p.totalSteps) out.write(`${progressLine(p, loss)}\n`);
    },
    done() {
      if (out.isTTY) out.write('\n');
    },
  };
}
