/**
 * The size of a directory tree on disk (sum of file sizes), sampled at most
 * once per `minIntervalMs`: a scrape every second must not stat every SST
 * file every second. Concurrent callers share one walk.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Between two walks at least this much time passes; scrapes in between see the last sample. */
export const DIR_SIZE_MIN_INTERVAL_MS = 5_000;
/** Entries examined per walk; a RocksDB dir holds far fewer, and a huge tree must not stall the scrape. */
export const DIR_SIZE_MAX_ENTRIES = 100_000;

export class DirSizeSampler {
  private lastBytes = 0;
  private lastAtMs = Number.NEGATIVE_INFINITY;
  private walking: Promise<number> | undefined;

  constructor(
    private readonly dir: string,
    private readonly minIntervalMs = DIR_SIZE_MIN_INTERVAL_MS,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** The latest sample, taking a new one if the last is older than the interval. */
  async bytes(): Promise<number> {
    if (this.nowMs() - this.lastAtMs < this.minIntervalMs) return this.lastBytes;
    this.walking ??= walk(this.dir).finally(() => (this.walking = undefined));
    const bytes = await this.walking;
    this.lastBytes = bytes;
    this.lastAtMs = this.nowMs();
    return bytes;
  }
}

/** Sums regular file sizes under `root`; files vanishing mid-walk (compaction) are skipped. */
async function walk(root: string): Promise<number> {
  let total = 0;
  let budget = DIR_SIZE_MAX_ENTRIES;
  const pending = [root];
  while (pending.length > 0 && budget > 0) {
    const dir = pending.pop()!;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (budget-- <= 0) break;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) total += await sizeOf(path);
    }
  }
  return total;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
