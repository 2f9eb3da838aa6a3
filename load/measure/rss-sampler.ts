/**
 * Samples the resident set size (VmRSS in /proc/<pid>/status) of a target's
 * processes, summed (a cluster's three nodes are one target), every
 * RSS_SAMPLE_INTERVAL_MS while a run lasts, and keeps the peak.
 */
import { readFileSync } from 'node:fs';

export const RSS_SAMPLE_INTERVAL_MS = 250;

/** VmRSS in bytes from the text of /proc/<pid>/status, or undefined. */
export function parseVmRssBytes(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

export function readRssBytes(pid: number): number | undefined {
  try {
    return parseVmRssBytes(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined; // the process is gone, or this is not Linux
  }
}

/** The summed RSS of the processes still readable, or undefined when none is. */
export function readTotalRssBytes(pids: readonly number[]): number | undefined {
  const readable = pids.flatMap((pid) => {
    const rss = readRssBytes(pid);
    return rss === undefined ? [] : [rss];
  });
  return readable.length === 0 ? undefined : readable.reduce((sum, rss) => sum + rss, 0);
}

export class RssSampler {
  #peakBytes: number | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly pids: readonly number[]) {}

  start(): void {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), RSS_SAMPLE_INTERVAL_MS);
  }

  /** Stops sampling; returns the peak seen (undefined if never readable). */
  stop(): number | undefined {
    if (this.#timer) clearInterval(this.#timer);
    this.#sample();
    return this.#peakBytes;
  }

  #sample(): void {
    const rss = readTotalRssBytes(this.pids);
    if (rss !== undefined && (this.#peakBytes === undefined || rss > this.#peakBytes)) this.#peakBytes = rss;
  }
}
