/**
 * This build's version, from the project's package.json (two levels above
 * the compiled dist/server/admin/ folder, three above this source file's
 * compiled copy). Read once; 'unknown' if the file is not where a build puts it.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const relative of ['../../../package.json', '../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (parsed.name === 'rangedb' && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // Not at this level; try the next.
    }
  }
  return 'unknown';
}

export const BUILD_VERSION = readVersion();
