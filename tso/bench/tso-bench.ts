/**
 * TSO benchmark (not a test): timestamps per second delivered to callers on
 * one node, and each caller's wait (p50/p99), with 1, 64 and 1024 concurrent
 * callers, for the batching client and the same client with batching off, in
 * one run. The TSO group is three replica processes on 127.0.0.1 (RocksDB
 * with fsync, TCP); the client runs in this process, closed loop.
 *
 * Where a wait goes, per row: "in flight" is one GetTimestamps request from
 * send to answer (network and the leader); "turnaround" is the client's own
 * time from an answer to its next request (waking every caller of the batch,
 * which here queue again at once); "GC" is the garbage collector's pauses in
 * this process during the row. A caller waits about one turnaround plus one
 * request in flight.
 *
 *   npx tsc -p . && node dist/tso/bench/tso-bench.js [--seconds 3] [--callers 1,64,1024]
 */
import { freePort } from '../../consensus/adapters/listen.js';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import type { TimestampRange } from '../allocator.js';
import { TcpTsoChannel, type TsoChannel } from '../channel.js';
import { TsoClient } from '../tso-client.js';
import { startTsoGroup } from '../tso-group.js';

const IDS = [1, 2, 3];
/** Wait samples kept per run; beyond it the rate is still counted. */
const MAX_SAMPLES = 2_000_000;
/** Request timings kept per run. */
const MAX_REQUEST_SAMPLES = 200_000;
const LEADER_WAIT_MS = 20_000;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    callers: { type: 'string', default: '1,64,1024' },
    replica: { type: 'string' },
    dir: { type: 'string' },
    members: { type: 'string' },
  },
});

function parseMembers(spec: string): { raft: Map<number, { host: string; port: number }>; tso: Map<number, { host: string; port: number }> } {
  const raft = new Map<number, { host: string; port: number }>();
  const tso = new Map<number, { host: string; port: number }>();
  for (const part of spec.split(',')) {
    const [id, raftPort, tsoPort] = part.split(':').map(Number);
    raft.set(id!, { host: '127.0.0.1', port: raftPort! });
    tso.set(id!, { host: '127.0.0.1', port: tsoPort! });
  }
  return { raft, tso };
}



/** Samples in a fixed array (no allocation while measuring); percentiles at the end. */
class Samples {
  private readonly values: Float64Array;
  private n = 0;
  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }
  add(v: number): void {
    if (this.n < this.values.length) this.values[this.n++] = v;
  }
  reset(): void {
    this.n = 0;
  }
  percentile(p: number): number {
    const sorted = this.values.subarray(0, this.n).sort();
    return sorted[Math.min(this.n - 1, Math.floor(this.n * p))] ?? Number.NaN;
  }
}

/** The client's channel, timed: each request in flight, and the client's turnaround between requests. */
class TimedChannel implements TsoChannel {
  readonly inFlight = new Samples(MAX_REQUEST_SAMPLES);
  readonly turnaround = new Samples(MAX_REQUEST_SAMPLES);
  private lastAnswerAt: number | undefined;

  constructor(private readonly inner: TsoChannel) {}

  get replicas(): readonly number[] {
    return this.inner.replicas;
  }

  async getTimestamps(replica: number, count: number, timeoutMs: number): Promise<TimestampRange> {
    const sentAt = performance.now();
    if (this.lastAnswerAt !== undefined) this.turnaround.add(sentAt - this.lastAnswerAt);
    try {
      return await this.inner.getTimestamps(replica, count, timeoutMs);
    } finally {
      this.lastAnswerAt = performance.now();
      this.inFlight.add(this.lastAnswerAt - sentAt);
    }
  }

  reset(): void {
    this.inFlight.reset();
    this.turnaround.reset();
    this.lastAnswerAt = undefined;
  }

  close(): void {
    this.inner.close();
  }
}

/** Garbage collector pauses in this process while a row runs. */
class GcPauses {
  totalMs = 0;
  maxMs = 0;
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.totalMs += e.duration;
      this.maxMs = Math.max(this.maxMs, e.duration);
    }
  });
  start(): void {
    this.totalMs = 0;
    this.maxMs = 0;
    this.observer.observe({ entryTypes: ['gc'] });
  }
  stop(): void {
    this.observer.disconnect();
  }
}

interface RunResult {
  callers: number;
  batching: boolean;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  inFlightP50Ms: number;
  inFlightP99Ms: number;
  turnaroundP50Ms: number;
  turnaroundP99Ms: number;
  gcTotalMs: number;
  gcMaxMs: number;
}

async function run(client: TsoClient, channel: TimedChannel, waits: Samples, callers: number, seconds: number, batching: boolean): Promise<RunResult> {
  waits.reset();
  let delivered = 0;
  const requests0 = client.stats.requests;
  channel.reset();
  const gc = new GcPauses();
  gc.start();
  const end = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await client.now();
      waits.add(performance.now() - t0);
      delivered++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: callers }, loop));
  const elapsedS = (performance.now() - t0) / 1000;
  gc.stop();
  return {
    callers,
    batching,
    perSecond: delivered / elapsedS,
    p50Ms: waits.percentile(0.5),
    p99Ms: waits.percentile(0.99),
    requests: client.stats.requests - requests0,
    inFlightP50Ms: channel.inFlight.percentile(0.5),
    inFlightP99Ms: channel.inFlight.percentile(0.99),
    turnaroundP50Ms: channel.turnaround.percentile(0.5),
    turnaroundP99Ms: channel.turnaround.percentile(0.99),
    gcTotalMs: gc.totalMs,
    gcMaxMs: gc.maxMs,
  };
}

async function main(): Promise<void> {
  const seconds = Number(values.seconds);
  const callerCounts = values.callers.split(',').map(Number);
  const root = await mkdtemp(join(tmpdir(), 'tso-bench-'));
  const ports = await Promise.all(IDS.flatMap(() => [freePort(), freePort()]));
  const spec = IDS.map((id, i) => `${id}:${ports[2 * i]}:${ports[2 * i + 1]}`).join(',');
  const script = fileURLToPath(import.meta.url);
  const children: ChildProcess[] = [];
  try {
    await Promise.all(
      IDS.map(
        (id) =>
          new Promise<void>((resolve, reject) => {
            const child = fork(script, ['--replica', String(id), '--dir', join(root, `n${id}`), '--members', spec], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
            children.push(child);
            child.once('message', () => resolve());
            child.once('error', reject);
          }),
      ),
    );
    const { tso } = parseMembers(spec);
    const channels = { batched: new TimedChannel(new TcpTsoChannel(tso)), unbatched: new TimedChannel(new TcpTsoChannel(tso)) };
    const clients = {
      batched: new TsoClient({ channel: channels.batched, maxQueuedCallers: 4096 }),
      unbatched: new TsoClient({ channel: channels.unbatched, batching: false, maxQueuedCallers: 4096 }),
    };
    const deadline = Date.now() + LEADER_WAIT_MS;
    for (const c of Object.values(clients)) {
      for (;;) {
        try {
          await c.now();
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
        }
      }
    }
    const results: RunResult[] = [];
    // One sample buffer for every row: a fresh 16 MB array per row made the collector's old-space pauses part of the figures.
    const waits = new Samples(MAX_SAMPLES);
    for (const callers of callerCounts) {
      for (const batching of [true, false]) {
        const which = batching ? 'batched' : 'unbatched';
        results.push(await run(clients[which], channels[which], waits, callers, seconds, batching));
      }
    }
    console.log('| callers | batching | timestamps/s | p50 wait ms | p99 wait ms | requests | in flight p50/p99 ms | turnaround p50/p99 ms | GC ms (max) |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    const f = (ms: number) => ms.toFixed(3);
    for (const r of results) {
      console.log(
        `| ${r.callers} | ${r.batching ? 'on' : 'off'} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${r.requests} ` +
          `| ${f(r.inFlightP50Ms)} / ${f(r.inFlightP99Ms)} | ${f(r.turnaroundP50Ms)} / ${f(r.turnaroundP99Ms)} | ${r.gcTotalMs.toFixed(0)} (${r.gcMaxMs.toFixed(1)}) |`,
      );
    }
    for (const callers of callerCounts) {
      const on = results.find((r) => r.callers === callers && r.batching);
      const off = results.find((r) => r.callers === callers && !r.batching);
      if (on !== undefined && off !== undefined) console.log(`ratio at ${callers} callers: ${(on.perSecond / off.perSecond).toFixed(1)}x`);
    }
    clients.batched.close();
    clients.unbatched.close();
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
}

// Last: top-level await would otherwise run before the classes above are initialised.
if (values.replica !== undefined) {
  // A replica process: serve until killed.
  const nodeId = Number(values.replica);
  const { raft, tso } = parseMembers(values.members!);
  await startTsoGroup({ nodeId, peers: raft, dataDir: values.dir!, tsoPort: tso.get(nodeId)!.port });
  process.send!('ready');
} else {
  await main();
}
