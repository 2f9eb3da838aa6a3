/**
 * Samples a process's resident set size (VmRSS in /proc/<pid>/status) every
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

export class RssSampler {
  #peakBytes: number | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly pid: number) {}

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
    const rss = readRssBytes(this.pid);
    if (rss !== undefined && (this.#peakBytes === undefined || rss > this.#peakBytes)) this.#peakBytes = rss;
  }
}
