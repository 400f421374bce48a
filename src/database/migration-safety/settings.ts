import { readDurationVariable } from '../connection-settings';

/** How long the migrating processes wait and let their statements wait. */
export interface MigrationSafetySettings {
  /** How long a run waits for another run's migration lock before giving up (MIGRATION_LOCK_WAIT). */
  lockWaitMs: number;
  /** lock_timeout of the migrating session: how long one statement may wait for a table lock (MIGRATION_LOCK_TIMEOUT). */
  lockTimeoutMs: number;
  /** statement_timeout of the migrating session (MIGRATION_STATEMENT_TIMEOUT). */
  statementTimeoutMs: number;
}

/**
 * Defaults: waiting a minute for another deploy's run is cheap; a DDL statement queued behind
 * a long transaction for more than 5 s blocks every application query on that table behind it,
 * so it gives up instead; 5 minutes bounds a runaway statement without cutting off real
 * backfills, which should be batched anyway.
 */
export const DEFAULT_SETTINGS: MigrationSafetySettings = {
  lockWaitMs: 60_000,
  lockTimeoutMs: 5_000,
  statementTimeoutMs: 300_000,
};

/**
 * Reads the settings from the environment. Values are milliseconds as a number, or a number
 * with a unit: `500ms`, `5s`, `2min` (PostgreSQL's own spelling), `0` for no limit.
 */
export function readSafetySettings(env: NodeJS.ProcessEnv = process.env): MigrationSafetySettings {
  return {
    lockWaitMs: readDurationVariable(env, 'MIGRATION_LOCK_WAIT', DEFAULT_SETTINGS.lockWaitMs),
    lockTimeoutMs: readDurationVariable(env, 'MIGRATION_LOCK_TIMEOUT', DEFAULT_SETTINGS.lockTimeoutMs),
    statementTimeoutMs: readDurationVariable(env, 'MIGRATION_STATEMENT_TIMEOUT', DEFAULT_SETTINGS.statementTimeoutMs),
  };
}

/** A duration the way people read it: 5s, 1.5s, 300ms, 5min. */
export function formatDuration(ms: number): string {
  if (ms === 0) return 'no limit';
  if (ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(1))}s`;
  return `${ms}ms`;
}
