import t from 'tap';
import { renderChart } from '../../load/report/svg-chart.js';
import { ratios, summarize, txnPutRatios, type RunRecord } from '../../load/report/summary.js';
import { formatTable, ratioTable, summaryTable, txnPutTable } from '../../load/report/text-table.js';
import { parseVmRssBytes } from '../../load/measure/rss-sampler.js';

function run(target: string, round: number, reqPerSec: number, p99: number, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    scenario: 'put', target, round, requests: reqPerSec * 10, durationS: 10, reqPerSec, latencyP50Ms: p99 / 4, latencyP99Ms: p99,
    ok: reqPerSec * 10, conflicts: 0, errors: 0, errorTypes: {}, reusedSignedRequests: 0, signedDuringRun: 0, ...extra,
  };
}

const records = [
  run('embedded', 1, 3000, 20, { peakRssBytes: 100, check: { checked: 10, missingCount: 1, missingSample: ['k'], truncated: false } }),
  run('dynalite-disk', 1, 1000, 40),
  run('fastify', 1, 6000, 5),
  run('embedded', 2, 5000, 30, { peakRssBytes: 300 }),
  run('dynalite-disk', 2, 3000, 60),
  run('fastify', 2, 10000, 10),
];

t.test('summaries average the rounds and keep the worst memory and every lost write', async (t) => {
  const summaries = summarize(records);
  t.equal(summaries.length, 3);
  const ours = summaries.find((s) => s.target === 'embedded')!;
  t.equal(ours.rounds, 2);
  t.equal(ours.reqPerSec, 4000);
  t.equal(ours.latencyP99Ms, 25);
  t.equal(ours.peakRssBytes, 300);
  t.equal(ours.lostWrites, 1);
  t.equal(summaries.find((s) => s.target === 'fastify')!.lostWrites, undefined, 'no check, no claim');
});

t.test('conflict rate counts conflicts among answered requests', async (t) => {
  const [summary] = summarize([run('embedded', 1, 100, 1, { ok: 75, conflicts: 25 })]);
  t.equal(summary!.conflictRate, 0.25);
});

t.test('ratios are ours over each peer of the same scenario', async (t) => {
  const rows = ratios(summarize(records), 'embedded');
  t.same(
    rows.map((r) => [r.versus, r.reqPerSec, r.latencyP99]),
    [
      ['dynalite-disk', 2, 0.5],
      ['fastify', 0.5, 25 / 7.5],
    ],
  );
  const other = ratios(summarize([...records, run('embedded', 1, 10, 1, { scenario: 'get' })]), 'embedded');
  t.equal(other.filter((r) => r.scenario === 'get').length, 0, 'a scenario no peer ran has no ratio');
  const text = ratioTable(rows);
  t.match(text, /embedded\/dynalite-disk\s+2\.00x\s+0\.50x/);
  t.match(summaryTable(summarize(records)), /embedded\s+4000/);
});

t.test('a peer that cannot run a scenario gets an n/a row with its reason, grouped with the scenario', async (t) => {
  const summaries = summarize([
    run('cluster', 1, 100, 10),
    run('etcd', 1, 50, 20),
    run('cluster', 1, 30, 40, { scenario: 'txn' }),
    run('embedded', 1, 60, 20, { scenario: 'txn' }),
  ]);
  const text = ratioTable(ratios(summaries, 'cluster'), [{ scenario: 'txn', ours: 'cluster', versus: 'etcd', reason: 'not applicable to etcd' }]);
  const lines = text.split('\n').slice(2);
  t.match(lines[0], /put\s+cluster\/etcd\s+2\.00x\s+0\.50x$/);
  t.match(lines[1], /txn\s+cluster\/embedded\s+0\.50x\s+2\.00x$/);
  t.match(lines[2], /txn\s+cluster\/etcd\s+n\/a\s+n\/a\s+not applicable to etcd$/);
  t.ok(text.split('\n').every((line) => line === line.trimEnd()), 'no trailing blanks');
});

t.test('txn/put: for every target that ran both, in the same invocation', async (t) => {
  const summaries = summarize([
    run('cluster', 1, 1000, 10),
    run('cluster', 1, 400, 10, { scenario: 'txn' }),
    run('embedded', 1, 2000, 10),
    run('embedded', 1, 1000, 10, { scenario: 'txn' }),
    run('etcd', 1, 3000, 10),
    run('url', 1, 10, 10, { scenario: 'txn' }),
  ]);
  const rows = txnPutRatios(summaries);
  t.same(rows.map((r) => [r.target, r.ratio]), [['cluster', 0.4], ['embedded', 0.5]], 'etcd ran no txn, url no put');
  t.match(txnPutTable(rows), /cluster\s+400\s+1000\s+0\.40x/);
  t.ok(Number.isNaN(txnPutRatios(summarize([run('a', 1, 0, 1), run('a', 1, 5, 1, { scenario: 'txn' })]))[0]!.ratio), 'no puts: no ratio');
});

t.test('tables align their columns', async (t) => {
  const lines = formatTable(['a', 'long header'], [['wide cell', 'x']]).split('\n');
  t.equal(new Set(lines.map((line) => line.length)).size, 1);
});

t.test('the chart has one bar per scenario, target and panel, heights in proportion', async (t) => {
  const svg = renderChart(summarize(records), 'test run');
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const bars = [...svg.matchAll(/<rect class="bar" data-scenario="put" data-target="([^"]+)"[^>]* height="([\d.]+)"/g)];
  t.equal(bars.length, 6, '3 targets x 2 panels');
  const height = (target: string, panel: number) => Number(bars.filter((bar) => bar[1] === target)[panel]![2]);
  t.ok(Math.abs(height('fastify', 0) / height('embedded', 0) - 2) < 0.01, 'req/s bars: fastify 8000 vs ours 4000');
  t.ok(Math.abs(height('dynalite-disk', 1) / height('fastify', 1) - 50 / 7.5) < 0.01, 'p99 bars');
  t.match(renderChart(summarize([run('a<b', 1, 1, 1)]), 'x'), /a&#60;b/, 'names are escaped');
});

t.test('VmRSS is read from /proc/<pid>/status text', async (t) => {
  t.equal(parseVmRssBytes('Name:\tnode\nVmRSS:\t  123456 kB\nVmSwap:\t0 kB\n'), 123456 * 1024);
  t.equal(parseVmRssBytes('Name:\tnode\n'), undefined);
});
