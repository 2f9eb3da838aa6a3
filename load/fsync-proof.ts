/**
 * Durability proof and throughput of synced writes (a script, not a test).
 *
 * It writes N puts to a fresh RocksDbStore, either one synced write per put
 * (`single`), or with C concurrent writers each doing its own synced write
 * (`direct`), or through the GroupCommitter with C concurrent writers
 * (`group`), and prints puts/s and how many synced batches reached the store.
 * Run it under strace to see that every acknowledged batch cost an fdatasync:
 *
 *   npx tsc -p .
 *   strace -f -c -e trace=fdatasync,fsync node dist/load/fsync-proof.js single --writes 500
 *   strace -f -c -e trace=fdatasync,fsync node dist/load/fsync-proof.js group --writes 5000 --writers 64
 *
 * Expect `fdatasync` calls >= the printed `storeWrites` (plus a handful from
 * opening and closing the database). Numbers measured are in
 * engine/storage/README.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupCommitter } from '../engine/storage/group-commit.js';
import { RocksDbStore } from '../engine/storage/rocksdb/rocksdb-store.js';
import type { KvWrite } from '../engine/storage/kv-store.js';

/**
 * single: one synced write per put, one at a time.
 * direct: C concurrent writers, one synced write per put, no GroupCommitter
 *   (RocksDB's own write group may still merge some of them).
 * group: C concurrent writers through the GroupCommitter.
 */
type Mode = 'single' | 'direct' | 'group';
const MODES: readonly Mode[] = ['single', 'direct', 'group'];

interface Options {
  mode: Mode;
  writes: number;
  writers: number;
  valueBytes: number;
}

/** Keeps a mistyped argument from running for minutes. */
const MAX_WRITES = 1_000_000;

function parseArgs(argv: string[]): Options {
  const [mode = 'single', ...rest] = argv;
  if (!MODES.includes(mode as Mode)) throw new TypeError(`mode must be one of ${MODES.join(', ')}, not ${mode}`);
  const options: Options = { mode: mode as Mode, writes: 1000, writers: 64, valueBytes: 100 };
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i];
    const value = Number(rest[i + 1]);
    if (!Number.isInteger(value) || value < 1 || value > MAX_WRITES) throw new TypeError(`${name} needs an integer in 1..${MAX_WRITES}`);
    if (name === '--writes') options.writes = value;
    else if (name === '--writers') options.writers = value;
    else if (name === '--value-bytes') options.valueBytes = value;
    else throw new TypeError(`unknown option ${name}`);
  }
  return options;
}

function putOf(i: number, valueBytes: number): KvWrite[] {
  const key = Buffer.alloc(8);
  key.writeBigUInt64BE(BigInt(i));
  return [{ type: 'put', key, value: Buffer.alloc(valueBytes, i % 251) }];
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const dir = await mkdtemp(join(tmpdir(), 'fsync-proof-'));
  const store = await RocksDbStore.open(dir);
  try {
    const committer = new GroupCommitter(store);
    const writeOne =
      options.mode === 'group'
        ? (i: number) => committer.commit(putOf(i, options.valueBytes))
        : (i: number) => store.write(putOf(i, options.valueBytes), { sync: true });
    const writers = options.mode === 'single' ? 1 : options.writers;
    let next = 0;
    // Closed-loop writers: each waits for its write before sending the next.
    const writer = async (): Promise<void> => {
      while (next < options.writes) await writeOne(next++);
    };
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: writers }, writer));
    await committer.close();
    const storeWrites = options.mode === 'group' ? committer.stats.batches : options.writes;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const result = {
      ...options,
      writers,
      seconds: Number(seconds.toFixed(3)),
      putsPerSecond: Math.round(options.writes / seconds),
      storeWrites,
    };
    console.log(JSON.stringify(result));
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
