/**
 * `npm run backup -- --url http://127.0.0.1:8000 --name nightly`: asks a
 * running node for a live backup (POST /admin/backup), prints its progress
 * (GET /admin/backup) every BACKUP_POLL_MS on stderr while it runs, and the
 * result as JSON on stdout. Exits 0 when the backup is done, 1 when it was
 * refused or failed or the node cannot be reached, 2 on bad arguments.
 *
 * The POST has no timeout: a backup takes as long as the store is large, and
 * the answer comes only at its end. The progress polls are bounded.
 */
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { BACKUP_PATH, type BackupProgress, type BackupRequest } from './admin/backup.js';

/** The node asked when --url is not given (`npm start`'s address). */
export const DEFAULT_NODE_URL = 'http://127.0.0.1:8000';

export const BACKUP_POLL_MS = 1_000;
/** One progress poll; a slow answer skips a line, it does not stop the backup. */
export const BACKUP_POLL_TIMEOUT_MS = 5_000;
const USAGE = `Usage: npm run backup -- --name <name> [--url ${DEFAULT_NODE_URL}] [--max-bytes-per-second <n>]`;

interface Answer {
  status: number;
  body: string;
}

function send(method: 'GET' | 'POST', url: URL, body: string | undefined, timeoutMs: number | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

function describeProgress(progress: BackupProgress): string {
  return `backup ${progress.name}: ${progress.keys} keys, ${progress.bytes} bytes copied in ${(progress.ms / 1000).toFixed(1)} s`;
}

async function pollProgress(url: URL, name: string): Promise<void> {
  try {
    const answer = await send('GET', url, undefined, BACKUP_POLL_TIMEOUT_MS);
    const progress = JSON.parse(answer.body) as BackupProgress;
    if (answer.status === 200 && progress.state === 'running' && progress.name === name) process.stderr.write(`${describeProgress(progress)}\n`);
  } catch {
    // A missed poll is only a missing progress line.
  }
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: process.argv.slice(2), options: { url: { type: 'string' }, name: { type: 'string' }, 'max-bytes-per-second': { type: 'string' } } }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (values.name === undefined) {
    process.stderr.write(`--name is required\n${USAGE}\n`);
    return 2;
  }
  const rate = values['max-bytes-per-second'];
  if (rate !== undefined && !/^\d+$/.test(rate)) {
    process.stderr.write(`--max-bytes-per-second must be a whole number, got '${rate}'\n${USAGE}\n`);
    return 2;
  }
  const url = new URL(BACKUP_PATH, values.url ?? DEFAULT_NODE_URL);
  const name = values.name;
  const request: BackupRequest = { name, ...(rate !== undefined ? { maxBytesPerSecond: Number(rate) } : {}) };
  const poller = setInterval(() => void pollProgress(url, name), BACKUP_POLL_MS);
  try {
    const answer = await send('POST', url, JSON.stringify(request), undefined);
    if (answer.status === 200) {
      process.stdout.write(`${answer.body}\n`);
      return 0;
    }
    let message = answer.body;
    try {
      message = (JSON.parse(answer.body) as { message?: string }).message ?? answer.body;
    } catch {
      // Not JSON: print it as it came.
    }
    process.stderr.write(`backup refused or failed (HTTP ${answer.status}): ${message}\n`);
    return 1;
  } catch (error) {
    process.stderr.write(`Cannot reach ${url.href}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    clearInterval(poller);
  }
}

process.exitCode = await main();
