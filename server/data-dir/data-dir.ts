/**
 * Preparing a data dir for use: create it, take its process lock, check (or
 * write) its format stamp, in that order, so two processes never both decide
 * a new dir's format. The storage engine opens the dir only after this.
 */
import { mkdir } from 'node:fs/promises';
import { lockDataDir, type DataDirLock } from './lock.js';
import { checkFormatStamp } from './format-stamp.js';

/** The process exit code when a data dir is refused (locked by another process, or of an unknown format). */
export const EXIT_DATA_DIR_REFUSED = 3;

export interface PreparedDataDir {
  dir: string;
  lock: DataDirLock;
  formatStamp: string;
}

export async function prepareDataDir(dir: string): Promise<PreparedDataDir> {
  await mkdir(dir, { recursive: true });
  const lock = await lockDataDir(dir);
  try {
    return { dir, lock, formatStamp: await checkFormatStamp(dir) };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
