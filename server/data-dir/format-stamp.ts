/**
 * The data dir's format stamp: a `FORMAT` file naming the on-disk layout
 * version. It is written when a data dir is first used; a later start that
 * finds a stamp it does not know refuses to touch the data, because reading a
 * layout it does not understand could corrupt it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const FORMAT_FILE_NAME = 'FORMAT';
export const DATA_FORMAT_NAME = 'rangedb-data';
/** The layout this build reads and writes. */
export const DATA_FORMAT_VERSION = 1;
export const CURRENT_FORMAT_STAMP = `${DATA_FORMAT_NAME} ${DATA_FORMAT_VERSION}`;

export class UnknownDataFormatError extends Error {
  override readonly name = 'UnknownDataFormatError';
  constructor(
    readonly dir: string,
    readonly found: string,
  ) {
    super(
      `Data dir ${dir} has format '${found}' (${join(dir, FORMAT_FILE_NAME)}), but this build reads only '${CURRENT_FORMAT_STAMP}'. ` +
        'Use the rangedb version that wrote it, or another --data-dir.',
    );
  }
}

/** Checks the stamp of `dir`, writing the current one if there is none yet; returns the stamp. */
export async function checkFormatStamp(dir: string): Promise<string> {
  const path = join(dir, FORMAT_FILE_NAME);
  let found: string;
  try {
    found = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // A dir without a stamp is new, or was written before stamps existed (the same layout).
    await writeFile(path, `${CURRENT_FORMAT_STAMP}\n`, { flag: 'wx' });
    return CURRENT_FORMAT_STAMP;
  }
  if (found !== CURRENT_FORMAT_STAMP) throw new UnknownDataFormatError(dir, found);
  return found;
}
