/**
 * The data dir's process lock: a file holding the pid of the one process that
 * may use the directory. It is created with O_EXCL ('wx'), so two processes
 * racing to start cannot both win. A lock left by a process that died
 * (SIGKILL, power loss) is stale: its pid no longer runs, and the next start
 * takes it over. RocksDB has its own LOCK file, but its error ("lock hold by
 * current process" / "Resource temporarily unavailable") names neither the
 * directory's owner nor what to do; this one does.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE_NAME = 'rangedb.pid';
/** Stale-lock takeovers tried before giving up (another process keeps racing us). */
export const LOCK_ATTEMPTS_MAX = 3;
/**
 * A lock file without a pid is being written by a process that just created
 * it, unless it is older than this (then its writer died before writing).
 */
export const LOCK_UNWRITTEN_GRACE_MS = 5_000;

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dir: string,
    /** The holder's pid; undefined when its lock file could not be read (another process is mid-takeover). */
    readonly ownerPid: number | undefined,
  ) {
    super(
      `Data dir ${dir} is in use by ${ownerPid === undefined ? 'another process' : `process ${ownerPid}`} (lock file ${join(dir, LOCK_FILE_NAME)}). ` +
        'Stop that process first, or use another --data-dir.',
    );
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file; idempotent. */
  release(): Promise<void>;
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerOf(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Whether the file was modified within LOCK_UNWRITTEN_GRACE_MS (a vanished file is not fresh). */
async function isFresh(path: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs < LOCK_UNWRITTEN_GRACE_MS;
  } catch {
    return false;
  }
}

/** Takes the lock of `dir` (which must exist) for this process, or throws DataDirLockedError. */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const path = join(dir, LOCK_FILE_NAME);
  for (let attempt = 1; ; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await ownerOf(path);
    // Our own pid counts as alive: a second open in this process must fail too.
    if (owner !== undefined && processIsAlive(owner)) throw new DataDirLockedError(dir, owner);
    if (owner === undefined && (await isFresh(path))) throw new DataDirLockedError(dir, undefined);
    if (attempt >= LOCK_ATTEMPTS_MAX) throw new DataDirLockedError(dir, owner);
    // Stale: its process is gone, or it died before writing its pid.
    await rm(path, { force: true });
  }
}
