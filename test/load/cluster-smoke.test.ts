/**
 * The runner against a real 3-node cluster, briefly (1 s runs, 3
 * connections): it starts the nodes itself, spreads the load over all
 * three, reads every acknowledged put back, writes its JSON, and leaves no
 * node process or data behind, whether the run ends or is interrupted
 * (the interruption of a run itself goes through the same stopAllChildren).
 * Nothing here is timed: the machine is shared.
 */
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeChild } from '../helpers/child-process.js';
import { readTotalRssBytes } from '../../load/measure/rss-sampler.js';
import { CLUSTER_READY_TIMEOUT_MS } from '../../load/peers/local-cluster.js';
import { tempDir } from '../helpers/server.js';

const RUNNER = fileURLToPath(new URL('../../load/runner.js', import.meta.url));
/** Cluster start, preload, two 1 s runs and the check, on a loaded machine. */
const RUN_LIMIT_MS = CLUSTER_READY_TIMEOUT_MS + 60_000;
const POLL_MS = 100;

const pidsIn = (output: string) => [...output.matchAll(/\bn\d \(pid (\d+),/g)].map((match) => Number(match[1]));
const dataRootIn = (output: string) => /cluster \(data in (\S+)\)/.exec(output)?.[1];

function killIfLeft(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone, as it should be
  }
}

async function startRunner(t: Test, args: string[]): Promise<{ runner: NodeChild; resultsDir: string }> {
  const resultsDir = await tempDir('load-results');
  const runner = new NodeChild(RUNNER, [...args, '--target', 'cluster', '--rounds', '1', '--connections', '3', '--keys', '20', '--presign', '200', '--results-dir', resultsDir]);
  t.teardown(async () => {
    await runner.kill('SIGKILL');
    for (const pid of pidsIn(runner.output())) killIfLeft(pid);
    await rm(resultsDir, { recursive: true, force: true });
  });
  return { runner, resultsDir };
}

function assertCleanedUp(t: Test, output: string): void {
  const pids = pidsIn(output);
  t.equal(pids.length, 3, 'three nodes were started');
  // /proc/<pid>/status has no VmRSS once a process is gone (or a zombie).
  t.equal(readTotalRssBytes(pids), undefined, 'no node process is left');
  const root = dataRootIn(output);
  t.ok(root !== undefined && !existsSync(root), `the data root ${root} is removed`);
}

t.test('put and get on the cluster: spread over every node, nothing lost, everything stopped', async (t) => {
  const { runner, resultsDir } = await startRunner(t, ['put,get', '--duration', '1', '--check']);
  const status = await runner.before('the runner to finish', runner.exited, RUN_LIMIT_MS);
  t.same(status, { code: 0, signal: null }, 'the runner exits 0', { output: runner.output() });
  const output = runner.output();
  t.match(output, /n\d ready after/, 'readiness progress');
  t.match(output, /put\s+cluster\s+\d+/);
  const file = (await readdir(resultsDir)).find((name) => name.endsWith('.json'));
  t.ok(file, 'a JSON file');
  const json = JSON.parse(await readFile(join(resultsDir, file!), 'utf8')) as {
    targets: { name: string; endpoints: string[] }[];
    runs: { scenario: string; ok: number; okPerEndpoint: Record<string, number>; check?: { checked: number; missingCount: number } }[];
  };
  t.equal(json.targets[0]?.name, 'cluster');
  t.equal(json.targets[0]?.endpoints.length, 3);
  for (const run of json.runs) {
    t.equal(Object.keys(run.okPerEndpoint).length, 3, `${run.scenario}: three endpoints`);
    t.ok(Object.values(run.okPerEndpoint).every((ok) => ok > 0), `${run.scenario}: every node answered: ${JSON.stringify(run.okPerEndpoint)}`);
  }
  const put = json.runs.find((run) => run.scenario === 'put');
  t.ok(put?.check !== undefined && put.check.checked === put.ok && put.check.missingCount === 0, 'every acknowledged put read back');
  assertCleanedUp(t, output);
});

t.test('SIGINT while the nodes start stops every node and removes the data', async (t) => {
  // Interrupted during startup, not during a run, to keep this file near 30 s on a loaded machine.
  const { runner } = await startRunner(t, ['put', '--duration', '60']);
  await runner.waitUntil('the nodes to be spawned', async () => (pidsIn(runner.output()).length === 3 ? true : undefined), RUN_LIMIT_MS, POLL_MS);
  runner.process.kill('SIGINT');
  const status = await runner.before('the runner to stop', runner.exited, RUN_LIMIT_MS);
  t.equal(status.code, 130, 'the runner exits 130', { output: runner.output() });
  t.match(runner.output(), /SIGINT: stopping every server this run started/);
  assertCleanedUp(t, runner.output());
});
