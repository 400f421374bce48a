import { DataSource, MigrationInterface } from 'typeorm';
import { compareChecksums, migrationNameOf } from './checksums';
import { EXIT } from './errors';
import { readAppliedMigrations } from './migrations-table';

export type ChecksumState = 'ok' | 'legacy' | 'unrecorded' | 'mismatch' | 'unknown';

export interface MigrationStatus {
  upToDate: boolean;
  /** The exit code `migration:status` ends with (docs/operations.md, Deploy safety). */
  exitCode: number;
  applied: {
    name: string;
    appliedAt: string | null;
    durationMs: number | null;
    appliedBy: string | null;
    checksum: ChecksumState;
    recordedChecksum: string | null;
    currentChecksum: string | null;
  }[];
  pending: string[];
}

/**
 * The migrations table compared with the code: applied migrations (with their checksum state),
 * pending ones. Reads only, takes no lock, adopts nothing.
 * Exit code: a mismatch outranks an unknown applied migration, which outranks pending ones.
 */
export async function migrationStatus(dataSource: DataSource): Promise<MigrationStatus> {
  const runner = dataSource.createQueryRunner('master');
  try {
    const applied = await readAppliedMigrations(dataSource, runner);
    const report = await compareChecksums(dataSource, applied);
    const appliedNames = new Set(applied.map((row) => row.name));
    const pending = pendingMigrations(dataSource.migrations, appliedNames).map(migrationNameOf);
    const mismatched = new Set(report.mismatches.map((mismatch) => mismatch.name));
    const stateOf = (name: string): ChecksumState =>
      mismatched.has(name) ? 'mismatch' : report.unknown.includes(name) ? 'unknown' : report.unrecorded.includes(name) ? 'unrecorded' : report.legacy.includes(name) ? 'legacy' : 'ok';
    const exitCode =
      report.mismatches.length > 0
        ? EXIT.checksumMismatch
        : report.unknown.length > 0
          ? EXIT.unknownApplied
          : pending.length > 0
            ? EXIT.pending
            : EXIT.ok;
    return {
      upToDate: exitCode === EXIT.ok,
      exitCode,
      applied: applied.map((row) => ({
        name: row.name,
        appliedAt: row.appliedAt?.toISOString() ?? null,
        durationMs: row.durationMs,
        appliedBy: row.appliedBy,
        checksum: stateOf(row.name),
        recordedChecksum: row.checksum,
        currentChecksum: report.current.get(row.name) ?? null,
      })),
      pending,
    };
  } finally {
    await runner.release();
  }
}

/** Migrations in the code not yet applied, in the order TypeORM runs them (by timestamp). */
export function pendingMigrations(migrations: MigrationInterface[], applied: Set<string>): MigrationInterface[] {
  const byTimestamp = (migration: MigrationInterface) => migrationTimestampOf(migrationNameOf(migration));
  return migrations.filter((migration) => !applied.has(migrationNameOf(migration))).sort((a, b) => byTimestamp(a) - byTimestamp(b));
}

/** The timestamp TypeORM reads off a migration's name: its last 13 digits. */
export function migrationTimestampOf(name: string): number {
  return Number.parseInt(name.slice(-13), 10);
}
