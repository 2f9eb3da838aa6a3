/**
 * Safe start-up, with real processes (`node dist/server/main.js`): a second
 * process on a data dir in use exits non-zero with a clear message; a data
 * dir of an unknown format is refused; a dead process's stale lock does not
 * stop the start; the configuration is printed once, secrets redacted.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startChildServer } from '../../helpers/child-server.js';
import { tempDir } from '../../helpers/server.js';
import { FORMAT_FILE_NAME } from '../../../server/data-dir/format-stamp.js';
import { LOCK_FILE_NAME } from '../../../server/data-dir/lock.js';
import { EXIT_DATA_DIR_REFUSED } from '../../../server/data-dir/data-dir.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'server', 'main.js');
/** A refused start must be quick; this bounds a hung one. */
const RUN_TIMEOUT_MS = 20_000;

interface Run {
  code: number | null;
  output: string;
}

/** Runs main.js until it exits (or RUN_TIMEOUT_MS passes, then kills it). */
async function runMain(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(process.execPath, [MAIN, '--host', '127.0.0.1', '--port', String(await freePort()), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, output };
}

t.test('a second process on the same data dir exits non-zero with a clear message', async (t) => {
  const dataDir = await tempDir('ops-lock');
  const first = await startChildServer(dataDir);
  t.teardown(async () => {
    await first.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  });
  const second = await runMain(['--data-dir', dataDir, '--log-level', 'warn']);
  t.equal(second.code, EXIT_DATA_DIR_REFUSED);
  t.match(second.output, new RegExp(`Data dir ${dataDir} is in use by process ${first.process.pid}`));
  t.notMatch(second.output, /fatal|Error:|at .*\.js/, 'a message, not a stack trace');
  t.equal(first.process.exitCode, null, 'the first process keeps running');
});

t.test('a lock left by a dead process is taken over; a clean stop removes the lock', async (t) => {
  const dataDir = await tempDir('ops-stale');
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  // What SIGKILL leaves behind (test/server/process/durability.test.ts restarts after real SIGKILLs).
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => dead.once('exit', resolve));
  await writeFile(join(dataDir, LOCK_FILE_NAME), `${dead.pid}\n`);
  const node = await startChildServer(dataDir);
  t.equal((await readFile(join(dataDir, LOCK_FILE_NAME), 'utf8')).trim(), String(node.process.pid));
  t.equal(await node.kill('SIGTERM'), 0, 'a clean shutdown');
  await t.rejects(readFile(join(dataDir, LOCK_FILE_NAME)), { code: 'ENOENT' }, 'a clean shutdown removes the lock');
});

t.test('an unknown format stamp is refused, after the configuration is printed once, secrets redacted', async (t) => {
  const dataDir = await tempDir('ops-format');
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const configFile = join(dataDir, 'rangedb.json');
  await writeFile(configFile, JSON.stringify({ slowRequestMs: 250, secretAccessKey: 'file-secret', accessKeyId: 'AKFILE' }));
  await writeFile(join(dataDir, FORMAT_FILE_NAME), 'rangedb-data 2\n');
  const run = await runMain(['--data-dir', dataDir, '--config', configFile], { RANGEDB_SLOW_REQUEST_MS: '400' });

  t.equal(run.code, EXIT_DATA_DIR_REFUSED);
  t.match(run.output, /has format 'rangedb-data 2'.*reads only 'rangedb-data 1'/);
  t.equal(await readFile(join(dataDir, FORMAT_FILE_NAME), 'utf8'), 'rangedb-data 2\n', 'the stamp is untouched');

  const starting = run.output.split('\n').filter((line) => line.includes('"msg":"starting"'));
  t.equal(starting.length, 1, 'the configuration is printed once');
  const config = (JSON.parse(starting[0]!) as { config: Record<string, unknown> }).config;
  t.equal(config.slowRequestMs, 400, 'the environment wins over the file');
  t.equal(config.accessKeyId, 'AKFILE', 'read from the file');
  t.equal(config.secretAccessKey, '[redacted]');
  t.equal(config.configFile, configFile);
  t.notMatch(run.output, /file-secret/, 'the secret appears nowhere');
});
