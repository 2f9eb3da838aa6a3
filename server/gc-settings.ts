/**
 * The garbage-collection settings of a node (embedded or cluster) from its environment:
 * how often each range leader runs a pass, and how long old MVCC versions
 * are kept (docs/OPERATIONS.md). Unset, the engine's defaults apply, the
 * same as on an embedded node; tests shorten both to see passes happen.
 */
import type { EngineOptions } from '../engine/engine.js';

/** Pause between passes in ms (0 turns the collector off). */
export const GC_INTERVAL_ENV = 'RANGEDB_GC_INTERVAL_MS';
/** How long old versions are kept in ms: longer than any read or transaction runs. */
export const VERSION_RETENTION_ENV = 'RANGEDB_VERSION_RETENTION_MS';
/** The shortest accepted retention: below it a read could lose the versions it is reading. */
export const MIN_VERSION_RETENTION_MS = 1_000;
/** The longest accepted interval and retention (a day): a larger value is a typo. */
export const MAX_GC_SETTING_MS = 86_400_000;

export class GcSettingsError extends Error {
  override readonly name = 'GcSettingsError';
}

export function gcSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<EngineOptions, 'gcIntervalMs' | 'versionRetentionMs'> {
  const interval = readMs(env, GC_INTERVAL_ENV, 0);
  const retention = readMs(env, VERSION_RETENTION_ENV, MIN_VERSION_RETENTION_MS);
  return {
    ...(interval === undefined ? {} : { gcIntervalMs: interval }),
    ...(retention === undefined ? {} : { versionRetentionMs: retention }),
  };
}

function readMs(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const ms = Number(raw);
  if (!Number.isSafeInteger(ms) || ms < min || ms > MAX_GC_SETTING_MS) {
    throw new GcSettingsError(`${name} must be an integer in ${min}..${MAX_GC_SETTING_MS}, not ${JSON.stringify(raw)}`);
  }
  return ms;
}
