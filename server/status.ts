/**
 * `npm run status -- --url http://127.0.0.1:8000`: prints a node's view of
 * the nodes and ranges as tables. Exits 1 when the node cannot be read, 2 on
 * bad arguments.
 */
import { fetchStatus, StatusFetchError } from './admin/status-client.js';
import { formatStatus } from './admin/status-table.js';

export const DEFAULT_STATUS_URL = 'http://127.0.0.1:8000';
const USAGE = `Usage: npm run status -- [--url ${DEFAULT_STATUS_URL}]`;

function urlFrom(argv: readonly string[]): string | undefined {
  let url = DEFAULT_STATUS_URL;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--url=')) url = arg.slice('--url='.length);
    else if (arg === '--url' && argv[i + 1] !== undefined) url = argv[++i]!;
    else return undefined;
  }
  return url;
}

async function main(): Promise<void> {
  const url = urlFrom(process.argv.slice(2));
  if (url === undefined) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  try {
    const { nodes, ranges } = await fetchStatus(url);
    process.stdout.write(formatStatus(nodes, ranges));
  } catch (error) {
    if (!(error instanceof StatusFetchError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

await main();
