/**
 * `npm run bench -- <scenario> [--target cluster] [--compare etcd,embedded] ...`:
 * starts the targets (a cluster's nodes and etcd's members included), runs
 * the comparison, prints the tables, writes a JSON file and an SVG chart
 * under load/results/, and stops every child it started, also on Ctrl-C,
 * on an error, or when RUNNER_DEADLINE_MS passes.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runComparison } from './comparison.js';
import { parseOptions, UsageError, USAGE, type BenchOptions } from './options.js';
import { ChildStartError, killAllChildrenNow, stopAllChildren } from './peers/child-process.js';
import { EtcdMissingError, requireEtcd } from './peers/etcd-cluster.js';
import { startTarget, urlTarget, type Target } from './peers/targets.js';
import { renderChart } from './report/svg-chart.js';
import { ratios, summarize, txnPutRatios } from './report/summary.js';
import { ratioTable, summaryTable, txnPutTable } from './report/text-table.js';

/** The whole invocation may not last longer than this. */
export const RUNNER_DEADLINE_MS = 30 * 60 * 1000;
/** dist/load/runner.js -> <repo>/load/results */
const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'load', 'results');

async function startTargets(options: BenchOptions): Promise<Target[]> {
  // Before anything starts: a missing etcd should not cost a cluster start.
  if (options.compare.includes('etcd')) await requireEtcd();
  const targets: Target[] = [];
  const profile = options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {};
  if (options.target.kind === 'url') targets.push(urlTarget(options.target.url));
  else {
    process.stderr.write(`  starting ${options.target.kind}\n`);
    targets.push(await startTarget(options.target.kind, profile));
  }
  for (const kind of options.compare) {
    process.stderr.write(`  starting ${kind}\n`);
    targets.push(await startTarget(kind));
  }
  return targets;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const startedAt = new Date();
  const targets = await startTargets(options);
  const ours = targets[0] as Target;
  const result = await runComparison({ ...options, targets });
  await Promise.all(targets.map((target) => target.stop()));

  const summaries = summarize(result.records);
  const ratioRows = ratios(summaries, ours.name);
  const notApplicable = result.skipped.filter((skip) => skip.target !== ours.name).map((skip) => ({ ...skip, ours: ours.name, versus: skip.target }));
  const txnPut = txnPutRatios(summaries);
  const usPerSign = result.signing.signed > 0 ? (result.signing.signingMs * 1000) / result.signing.signed : 0;
  const maxRate = Math.max(0, ...summaries.map((s) => s.reqPerSec));
  const comparable = ratioRows.length + notApplicable.length > 0;
  process.stdout.write(`\n${summaryTable(summaries)}\n\n${comparable ? ratioTable(ratioRows, notApplicable) : 'no peer to compare with (--compare etcd,dynalite,fastify)'}\n`);
  if (txnPut.length > 0) process.stdout.write(`\ntransactions against puts, same invocation:\n${txnPutTable(txnPut)}\n`);
  for (const skip of result.skipped) process.stdout.write(`skipped ${skip.scenario} on ${skip.target}: ${skip.reason}\n`);
  process.stdout.write(
    `signing: ${usPerSign.toFixed(0)} us per request (${((maxRate * usPerSign) / 1e4).toFixed(0)}% of one core at the highest rate seen, ${maxRate.toFixed(0)} req/s); ` +
      `${result.signing.signedDuringRuns} of ${result.signing.signed} requests were signed inside measured windows (first rounds mostly; later rounds presign from the previous round)\n`,
  );

  const resultsDir = options.resultsDir ?? RESULTS_DIR;
  await mkdir(resultsDir, { recursive: true });
  const base = `${startedAt.toISOString().replace(/[:.]/g, '-')}-${options.scenarios.join('+')}`;
  const subtitle = `${startedAt.toISOString()}  ${options.durationS}s x ${options.rounds} rounds, ${options.connections} connections`;
  const jsonPath = join(resultsDir, `${base}.json`);
  const svgPath = join(resultsDir, `${base}.svg`);
  await writeFile(
    jsonPath,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        options,
        targets: targets.map((target) => ({ name: target.name, protocol: target.protocol, endpoints: target.endpoints, pids: target.pids })),
        machine: { node: process.version, cpus: cpus().length, loadavg: loadavg() },
        signing: { ...result.signing, usPerSign },
        summaries,
        ratios: ratioRows,
        txnPutRatios: txnPut,
        skipped: result.skipped,
        runs: result.records,
      },
      null,
      2,
    )}\n`,
  );
  await writeFile(svgPath, renderChart(summaries, subtitle));
  const latestPath = join(resultsDir, 'latest.svg');
  await copyFile(svgPath, latestPath);
  process.stdout.write(`results: ${jsonPath}\nchart:   ${svgPath} (also ${latestPath})\n`);
  const lost = summaries.reduce((sum, s) => sum + (s.lostWrites ?? 0), 0);
  if (lost > 0) {
    process.stdout.write(`LOST WRITES: ${lost} acknowledged PutItems were not readable afterwards\n`);
    process.exitCode = 3;
  }
}

process.on('exit', killAllChildrenNow);
/** Set once a signal or the deadline stops the run: errors from dying children are expected then. */
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopping = true;
    process.stderr.write(`\n${signal}: stopping every server this run started\n`);
    void stopAllChildren().finally(() => process.exit(130));
  });
}
const deadline = setTimeout(() => {
  stopping = true;
  process.stderr.write(`the run passed its ${RUNNER_DEADLINE_MS} ms deadline; stopping\n`);
  void stopAllChildren().finally(() => process.exit(1));
}, RUNNER_DEADLINE_MS);
deadline.unref();

main().then(
  () => stopAllChildren(),
  async (error: unknown) => {
    if (stopping) return;
    if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    // Setup failures say what to do in their message; a stack would bury it.
    else if (error instanceof EtcdMissingError || error instanceof ChildStartError) process.stderr.write(`bench failed: ${error.message}\n`);
    else process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await stopAllChildren();
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
