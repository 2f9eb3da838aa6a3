/**
 * Progress on stderr: a bar for preloading and signing, one line per second
 * while a run lasts. Stdout keeps only the results.
 */
const BAR_WIDTH = 30;
/** Without a terminal, redraws become lines: print one per this many percent. */
const LOG_STEP_PERCENT = 25;

export function progressBar(label: string, total: number): (done: number) => void {
  let lastDrawnPercent = -1;
  return (done) => {
    const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
    const tty = process.stderr.isTTY === true;
    const step = tty ? percent : percent - (percent % LOG_STEP_PERCENT);
    if (step === lastDrawnPercent && done < total) return;
    lastDrawnPercent = step;
    const filled = Math.round((BAR_WIDTH * percent) / 100);
    const bar = `  ${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${percent}% ${done}/${total}`;
    if (tty) process.stderr.write(`\r${bar}${done >= total ? '\n' : ''}`);
    else process.stderr.write(`${bar}\n`);
  };
}

export function secondLine(label: string, second: number, requests: number, rssBytes: number | undefined): void {
  const rss = rssBytes === undefined ? '' : `  rss ${(rssBytes / 2 ** 20).toFixed(0)} MiB`;
  process.stderr.write(`  ${label} t=${second}s  ${requests} req/s${rss}\n`);
}
