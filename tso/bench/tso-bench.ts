/**
 * TSO benchmark (not a test): timestamps per second delivered to callers on
 * one node, and each caller's wait (p50/p99), with 1, 64 and 1024 concurrent
 * callers, for the batching client and the same client with batching off, in
 * one run. The TSO group is three replica processes on 127.0.0.1 (RocksDB
 * with fsync, TCP); the client runs in this process, closed loop.
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
import { performance } from 'node:perf_hooks';
import { TcpTsoChannel } from '../channel.js';
import { TsoClient } from '../tso-client.js';
import { startTsoGroup } from '../tso-group.js';

const IDS = [1, 2, 3];
/** Wait samples kept per run; beyond it the rate is still counted. */
const MAX_SAMPLES = 2_000_000;
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

if (values.replica !== undefined) {
  // A replica process: serve until killed.
  const nodeId = Number(values.replica);
  const { raft, tso } = parseMembers(values.members!);
  await startTsoGroup({ nodeId, peers: raft, dataDir: values.dir!, tsoPort: tso.get(nodeId)!.port });
  process.send!('ready');
} else {
  await main();
}


interface RunResult {
  callers: number;
  batching: boolean;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
}

async function run(client: TsoClient, callers: number, seconds: number, batching: boolean): Promise<RunResult> {
  const waits = new Float64Array(MAX_SAMPLES);
  let samples = 0;
  let delivered = 0;
  const requests0 = client.stats.requests;
  const end = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await client.now();
      const w = performance.now() - t0;
      delivered++;
      if (samples < MAX_SAMPLES) waits[samples++] = w;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: callers }, loop));
  const elapsedS = (performance.now() - t0) / 1000;
  const sorted = waits.subarray(0, samples).sort();
  const pct = (p: number) => sorted[Math.min(samples - 1, Math.floor(samples * p))] ?? Number.NaN;
  return { callers, batching, perSecond: delivered / elapsedS, p50Ms: pct(0.5), p99Ms: pct(0.99), requests: client.stats.requests - requests0 };
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
    const clients = {
      batched: new TsoClient({ channel: new TcpTsoChannel(tso), maxQueuedCallers: 4096 }),
      unbatched: new TsoClient({ channel: new TcpTsoChannel(tso), batching: false, maxQueuedCallers: 4096 }),
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
    for (const callers of callerCounts) {
      for (const batching of [true, false]) {
        results.push(await run(batching ? clients.batched : clients.unbatched, callers, seconds, batching));
      }
    }
    console.log('| callers | batching | timestamps/s | p50 wait ms | p99 wait ms | requests |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const r of results) {
      console.log(`| ${r.callers} | ${r.batching ? 'on' : 'off'} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${r.p50Ms.toFixed(3)} | ${r.p99Ms.toFixed(3)} | ${r.requests} |`);
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
