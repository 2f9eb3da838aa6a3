/**
 * Live backup of a node's store: `POST /admin/backup {"name": "..."}` writes a
 * logical checkpoint to `<backup dir>/<name>`, and `GET /admin/backup` shows
 * the running (or last) backup's progress.
 *
 * The `rocksdb` binding has no Checkpoint API, so the copy is logical: one
 * RocksDB iterator (the binding takes a snapshot when the iterator is created,
 * so it reads one consistent cut of the whole store, Raft logs and TSO state
 * included) copied in batches of at most BACKUP_BATCH_BYTES_MAX into a fresh
 * RocksDB. The cut is a prefix of the store's write order, the same state a
 * crash at that moment would leave: the node recovers from it the way it
 * recovers from a crash (locks of in-flight transactions are resolved, the TSO
 * resumes above its last durable ceiling).
 *
 * The copy goes to a staging dir `.<name>.partial` beside the target, prepared
 * like a data dir (lock file, FORMAT stamp), and is renamed to `<name>` only
 * once it is complete and synced: a dir named `<name>` is always a whole
 * backup that `--data-dir` opens as it is. A staging dir left by a process that
 * died is stale (its lock names a dead pid) and is replaced by the next try.
 */
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import { RocksDbStore } from '../../engine/storage/rocksdb/rocksdb-store.js';
import type { KvWrite } from '../../engine/storage/kv-store.js';
import { prepareDataDir } from '../data-dir/data-dir.js';
import { DataDirLockedError, lockDataDir } from '../data-dir/lock.js';
import { FORMAT_FILE_NAME } from '../data-dir/format-stamp.js';
import { DYNAMODB_PREFIX } from '../errors.js';

export const BACKUP_PATH = '/admin/backup';
/** A copy batch is written once it would grow past this (one larger entry goes alone). */
export const BACKUP_BATCH_BYTES_MAX = 4 * 1024 * 1024;
/** The slowest copy rate a request may ask for: a slower backup would hold its snapshot (and RocksDB's old versions) for days. */
export const BACKUP_MIN_BYTES_PER_SECOND = 1024 * 1024;
/** A paced copy sleeps in slices this long, so a shutdown is noticed quickly. */
export const BACKUP_PACE_SLICE_MS = 100;
/** Progress is logged at most this often while a backup runs. */
export const BACKUP_PROGRESS_LOG_INTERVAL_MS = 5_000;
/** DynamoDB's BackupName constraint: 3 to 255 of [a-zA-Z0-9_.-]. */
export const BACKUP_NAME_PATTERN = /^[a-zA-Z0-9_.-]{3,255}$/;
/** A request body larger than this is not `{"name": ...}`. */
export const BACKUP_REQUEST_BYTES_MAX = 4 * 1024;
/** The default backup dir is the data dir's path with this suffix (a sibling, not inside it). */
export const DEFAULT_BACKUP_DIR_SUFFIX = '-backups';
const STAGING_SUFFIX = '.partial';

export function defaultBackupDir(dataDir: string): string {
  return `${resolve(dataDir)}${DEFAULT_BACKUP_DIR_SUFFIX}`;
}

type BackupErrorName = 'ValidationException' | 'BackupInUseException' | 'BackupAlreadyExistsException' | 'ServiceUnavailableException';

const STATUS_OF: Record<BackupErrorName, number> = {
  ValidationException: 400,
  BackupInUseException: 409,
  BackupAlreadyExistsException: 409,
  ServiceUnavailableException: 503,
};

/** A refusal the client caused (or a shutdown), answered DynamoDB-style: `{__type, message}`. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly code: BackupErrorName,
    message: string,
  ) {
    super(message);
  }
  get statusCode(): number {
    return STATUS_OF[this.code];
  }
}

/** What POST /admin/backup asks for. */
export interface BackupRequest {
  name: string;
  /** Copy at most this many bytes per second (absent: as fast as the disk allows). */
  maxBytesPerSecond?: number;
}

export interface BackupResult {
  path: string;
  keys: number;
  bytes: number;
  ms: number;
}

/** What GET /admin/backup answers. */
export interface BackupProgress {
  state: 'running' | 'done' | 'failed';
  name: string;
  path: string;
  keys: number;
  bytes: number;
  startedAt: string;
  ms: number;
  error?: string;
}

/** The request body, checked: a JSON object with a valid name and, optionally, a rate. */
export function parseBackupRequest(body: Buffer): BackupRequest {
  if (body.length > BACKUP_REQUEST_BYTES_MAX) throw new BackupError('ValidationException', `The request body must not exceed ${BACKUP_REQUEST_BYTES_MAX} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BackupError('ValidationException', 'The request body must be a JSON object: {"name": "<backup name>"}');
  }
  const { name, maxBytesPerSecond, ...rest } = parsed as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new BackupError('ValidationException', `Unknown field '${unknown[0]}' (known: name, maxBytesPerSecond)`);
  const request: BackupRequest = { name: checkBackupName(name) };
  if (maxBytesPerSecond === undefined) return request;
  if (typeof maxBytesPerSecond !== 'number' || !Number.isSafeInteger(maxBytesPerSecond) || maxBytesPerSecond < BACKUP_MIN_BYTES_PER_SECOND) {
    throw new BackupError('ValidationException', `maxBytesPerSecond must be a whole number of at least ${BACKUP_MIN_BYTES_PER_SECOND}, got ${JSON.stringify(maxBytesPerSecond)}`);
  }
  return { ...request, maxBytesPerSecond };
}

/** Throws a ValidationException unless `name` is a safe single path component. */
export function checkBackupName(name: unknown): string {
  if (typeof name !== 'string') throw new BackupError('ValidationException', "The request body must be a JSON object with a string 'name'");
  if (!BACKUP_NAME_PATTERN.test(name)) {
    throw new BackupError(
      'ValidationException',
      `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: ` +
        'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255 (no path separators)',
    );
  }
  // '..' cannot climb out (no separators), but a leading dot would hide a backup and collide with staging dirs.
  if (name.startsWith('.')) throw new BackupError('ValidationException', `Backup name '${name}' must not start with '.'`);
  return name;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** fsync of a file, or of a directory (its entries: new files, a rename), so it survives a power cut. */
async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes a staging dir left by a dead process; one whose owner still runs is a backup in progress. */
async function clearStaleStaging(staging: string, name: string): Promise<void> {
  if (!(await exists(staging))) return;
  try {
    const lock = await lockDataDir(staging);
    await lock.release();
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      throw new BackupError('BackupInUseException', `A backup named '${name}' is being written by ${error.ownerPid === undefined ? 'another process' : `process ${error.ownerPid}`}`);
    }
    throw error;
  }
  await rm(staging, { recursive: true, force: true });
}

class BackupAbortedError extends Error {
  override readonly name = 'BackupAbortedError';
}

interface CopyControl {
  /** Called after each batch is written. */
  progress(keys: number, bytes: number): void;
  /** Checked before each batch and while pacing: true stops the copy. */
  aborted(): boolean;
  maxBytesPerSecond?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `bytes` copied since `startedMs` are within the rate, in slices, stopping early on abort. */
async function pace(control: CopyControl, bytes: number, startedMs: number): Promise<void> {
  if (control.maxBytesPerSecond === undefined) return;
  const dueMs = startedMs + (bytes * 1000) / control.maxBytesPerSecond;
  while (!control.aborted() && Date.now() < dueMs) await sleep(Math.min(BACKUP_PACE_SLICE_MS, dueMs - Date.now()));
}

/**
 * Copies everything `source` holds, as of one snapshot, into a new RocksDB at
 * `dir` (already prepared: locked and stamped). Memory stays within one batch
 * plus the iterator's read-ahead.
 */
async function copyStore(source: RocksDbStore, dir: string, control: CopyControl): Promise<{ keys: number; bytes: number }> {
  const target = await RocksDbStore.open(dir);
  const startedMs = Date.now();
  let keys = 0;
  let bytes = 0;
  try {
    let batch: KvWrite[] = [];
    let batchBytes = 0;
    const flush = async (sync: boolean): Promise<void> => {
      if (control.aborted()) throw new BackupAbortedError('the node is shutting down');
      // Only the last batch is synced: one fsync of RocksDB's log covers the earlier ones.
      await target.write(batch, { sync });
      keys += batch.length;
      bytes += batchBytes;
      batch = [];
      batchBytes = 0;
      control.progress(keys, bytes);
      if (!sync) await pace(control, bytes, startedMs);
    };
    // No bounds: the whole store, from one iterator (one snapshot).
    for await (const [key, value] of source.iterate({})) {
      const size = key.length + value.length;
      if (batch.length > 0 && batchBytes + size > BACKUP_BATCH_BYTES_MAX) await flush(false);
      batch.push({ type: 'put', key, value });
      batchBytes += size;
    }
    if (batch.length > 0) await flush(true);
  } finally {
    await target.close();
  }
  return { keys, bytes };
}

/** One node's backups: at most one at a time, each into `<backupDir>/<name>`. */
export class NodeBackups {
  private current: BackupProgress | undefined;
  private running = false;
  private closing = false;

  constructor(
    private readonly store: RocksDbStore,
    readonly backupDir: string,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** The running backup, else the last one (undefined before the first). */
  progress(): BackupProgress | undefined {
    if (this.current === undefined) return undefined;
    const elapsed = this.current.state === 'running' ? { ms: Date.now() - Date.parse(this.current.startedAt) } : {};
    return { ...this.current, ...elapsed };
  }

  /** A running backup stops at its next batch (its staging dir is removed); new ones are refused. */
  abort(): void {
    this.closing = true;
  }

  async backup(request: BackupRequest): Promise<BackupResult> {
    if (this.closing) throw new BackupError('ServiceUnavailableException', 'The node is shutting down');
    if (this.running) {
      throw new BackupError('BackupInUseException', `Backup '${this.current?.name}' is still running on this node; one backup at a time`);
    }
    this.running = true;
    try {
      return await this.run(request);
    } finally {
      this.running = false;
    }
  }

  private async run({ name, maxBytesPerSecond }: BackupRequest): Promise<BackupResult> {
    const path = join(this.backupDir, name);
    const staging = join(this.backupDir, `.${name}${STAGING_SUFFIX}`);
    await mkdir(this.backupDir, { recursive: true });
    if (await exists(path)) throw new BackupError('BackupAlreadyExistsException', `Backup ${path} already exists; choose another name or remove it`);
    await clearStaleStaging(staging, name);
    const prepared = await prepareDataDir(staging);
    const startedMs = Date.now();
    const state: BackupProgress = { state: 'running', name, path, keys: 0, bytes: 0, startedAt: new Date(startedMs).toISOString(), ms: 0 };
    this.current = state;
    this.log.info({ backup: path, maxBytesPerSecond }, 'backup started');
    let loggedMs = startedMs;
    try {
      const copied = await copyStore(this.store, staging, {
        progress: (keys, bytes) => {
          Object.assign(state, { keys, bytes, ms: Date.now() - startedMs });
          if (Date.now() - loggedMs < BACKUP_PROGRESS_LOG_INTERVAL_MS) return;
          loggedMs = Date.now();
          this.log.info({ backup: path, keys, bytes }, 'backup progress');
        },
        aborted: () => this.closing,
        ...(maxBytesPerSecond !== undefined ? { maxBytesPerSecond } : {}),
      });
      await prepared.lock.release();
      // RocksDB synced its own files; the stamp and the dir's entries are ours to sync.
      await syncPath(join(staging, FORMAT_FILE_NAME));
      await syncPath(staging);
      // Checked again: the name may have been taken while we copied (rename would replace an empty dir).
      if (await exists(path)) throw new BackupError('BackupAlreadyExistsException', `Backup ${path} already exists; choose another name or remove it`);
      await rename(staging, path);
      await syncPath(dirname(path));
      const result = { path, keys: copied.keys, bytes: copied.bytes, ms: Date.now() - startedMs };
      Object.assign(state, { state: 'done', ...result });
      this.log.info(result, 'backup done');
      return result;
    } catch (error) {
      await prepared.lock.release();
      await rm(staging, { recursive: true, force: true });
      Object.assign(state, { state: 'failed', ms: Date.now() - startedMs, error: error instanceof Error ? error.message : String(error) });
      this.log.error({ err: error, backup: path }, 'backup failed');
      if (error instanceof BackupAbortedError) throw new BackupError('ServiceUnavailableException', `Backup aborted: ${error.message}`);
      throw error;
    }
  }
}

function sendBackupError(reply: FastifyReply, error: BackupError): FastifyReply {
  // A backup aborted by a shutdown answers while the server closes: without this the
  // client's keep-alive connection would hold the close until its idle timeout.
  if (error.code === 'ServiceUnavailableException') reply.header('connection', 'close');
  return reply.code(error.statusCode).send({ __type: `${DYNAMODB_PREFIX}#${error.code}`, message: error.message });
}

/**
 * POST starts a backup and answers once it is done; GET shows its progress
 * (404 before the first). Like the other admin routes they are unsigned: keep
 * the node's port private. A shutdown aborts a running backup (`preClose`),
 * so it does not hold the node's close for the length of a copy.
 */
export function registerBackupRoutes(app: FastifyInstance, store: RocksDbStore, backupDir: string): NodeBackups {
  const backups = new NodeBackups(store, backupDir, app.log);
  app.addHook('preClose', async () => backups.abort());
  app.post(BACKUP_PATH, async (request, reply) => {
    try {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      return reply.code(200).send(await backups.backup(parseBackupRequest(body)));
    } catch (error) {
      if (error instanceof BackupError) return sendBackupError(reply, error);
      throw error;
    }
  });
  app.get(BACKUP_PATH, async (_request, reply) => {
    const progress = backups.progress();
    if (progress === undefined) return reply.code(404).send({ __type: `${DYNAMODB_PREFIX}#ResourceNotFoundException`, message: 'No backup has run on this node since it started' });
    return reply.code(200).send(progress);
  });
  return backups;
}
