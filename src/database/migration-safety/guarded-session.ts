import { DataSource, QueryRunner } from 'typeorm';
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
  const lock = await acquireMigrationLock(dataSource, settings.lockWaitMs, say);
  const runner = dataSource.createQueryRunner('master');
  try {
    await applySessionTimeouts(runner, settings);
    await ensureMigrationsTable(dataSource, runner);
    const applied = await readAppliedMigrations(dataSource, runner);
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
    await runner.release();
    await lock.release();
  }
}
