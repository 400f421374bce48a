import { DataSource, QueryRunner } from 'typeorm';
import { rawConnectionOf } from '../typeorm-internals';
import { acquireMigrationLock } from './advisory-lock';
import { verifyAndAdoptChecksums, ChecksumReport } from './checksums';
import { AppliedMigration, ensureMigrationsTable, readAppliedMigrations } from './migrations-table';
import { applySessionTimeouts, resetSessionTimeouts } from './session';
import { MigrationSafetySettings } from './settings';

export interface GuardedSession {
  runner: QueryRunner;
  applied: AppliedMigration[];
  checksums: ChecksumReport;
}

/**
 * What every changing command (run, revert, repair) does around its work: take the migration
 * lock, open the migrating session with its timeouts, create or complete the migrations table,
 * and (unless `verify` is false, for repair) refuse edited migrations and adopt unrecorded
 * ones. Everything is undone in reverse order afterwards, whatever happens.
 */
export async function withGuardedSession<T>(
  dataSource: DataSource,
  settings: MigrationSafetySettings,
  say: (line: string) => void,
  work: (session: GuardedSession) => Promise<T>,
  { verify = true }: { verify?: boolean } = {},
): Promise<T> {
  // The lock is taken on the migrating session itself: one connection per run, as stock
  // TypeORM's. The session lock survives each migration's COMMIT and dies with the session.
  const runner = dataSource.createQueryRunner('master');
  const session = await rawConnectionOf(runner);
  let lock;
  try {
    lock = await acquireMigrationLock(dataSource, settings.lockWaitMs, say, session);
  } catch (error) {
    await runner.release();
    throw error;
  }
  try {
    await applySessionTimeouts(runner, settings);
    const columns = await ensureMigrationsTable(dataSource, runner);
    const applied = await readAppliedMigrations(dataSource, runner, columns);
    const checksums = verify
      ? await verifyAndAdoptChecksums(dataSource, runner, applied, say)
      : { mismatches: [], unrecorded: [], legacy: [], unknown: [], current: new Map<string, string>() };
    return await work({ runner, applied, checksums });
  } finally {
    try {
      await resetSessionTimeouts(runner);
    } catch {
      // The connection is broken; releasing it is all that is left to do.
    }
    // Unlocks first; a failed unlock has already destroyed the connection (lock and all).
    await lock.release();
    await runner.release();
  }
}
