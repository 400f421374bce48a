import os from 'node:os';
import { QueryRunner } from 'typeorm';
import { MigrationSafetySettings } from './settings';

/**
 * Sets lock_timeout and statement_timeout for the migrating session (session-wide, so they
 * hold in and out of each migration's transaction). A DDL statement waiting for a table lock
 * queues every later query on that table behind it; lock_timeout bounds how long the
 * application can be blocked that way.
 */
export async function applySessionTimeouts(runner: QueryRunner, settings: MigrationSafetySettings): Promise<void> {
  await runner.query(`SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)`, [
    `${settings.lockTimeoutMs}ms`,
    `${settings.statementTimeoutMs}ms`,
  ]);
}

/** Back to the server's defaults before the connection returns to the pool. */
export async function resetSessionTimeouts(runner: QueryRunner): Promise<void> {
  if (runner.isReleased) return;
  if (runner.isTransactionActive) await runner.rollbackTransaction();
  // RESET of both in one round trip: reset_val is what RESET would restore.
  await runner.query(
    `SELECT pg_catalog.set_config(name, reset_val, false) FROM pg_catalog.pg_settings WHERE name IN ('lock_timeout', 'statement_timeout')`,
  );
}

/** Who applied a migration, as recorded in applied_by: the host and process; the SQL adds the role. */
export function applierDescription(): string {
  return `${os.hostname()} pid ${process.pid}`;
}
