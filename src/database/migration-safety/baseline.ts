import { DataSource } from 'typeorm';
import { diffSchemas, formatDifferences } from '../../schema/schema-diff';
import { SchemaModel } from '../../schema/schema-model';
import { ScratchDatabaseError } from '../../schema/scratch-server';
import { readProjectSchema } from '../../schema/snapshot-file';
import { migrationChecksum, migrationNameOf } from './checksums';
import { EXIT, MigrationSafetyError } from './errors';
import { withGuardedSession } from './guarded-session';
import { migrationsTableName } from './migrations-table';
import { migrateScratchStepwise } from './partial-schema';
import { applierDescription } from './session';
import { MigrationSafetySettings } from './settings';
import { migrationTimestampOf, pendingMigrations } from './status';

export interface BaselineResult {
  /** Migrations recorded as applied, in order; empty when none was pending. */
  recorded: string[];
}

/**
 * `migration:baseline`: records every pending migration as applied, without running it, on a
 * database whose schema was made another way (restored from a dump, created by hand or by an
 * older tool) and is identical to what the migrations make. Identical means the full catalog
 * comparison of `schema:check` (tables, columns, constraints, indexes, triggers, functions,
 * policies, grants, comments) finds no difference with a scratch database migrated from the
 * code; otherwise it refuses (exit 8), naming every differing object, and records nothing.
 * Runs under the migration lock; the recorded rows carry the checksums `migration:run` would.
 */
export async function baselineMigrations(
  dataSource: DataSource,
  settings: MigrationSafetySettings,
  say: (line: string) => void,
): Promise<BaselineResult> {
  return withGuardedSession(dataSource, settings, say, async ({ runner, applied }) => {
    const pending = pendingMigrations(dataSource.migrations, new Set(applied.map((row) => row.name)));
    if (pending.length === 0) return { recorded: [] };
    const ordered = [...dataSource.migrations].sort((a, b) => migrationTimestampOf(migrationNameOf(a)) - migrationTimestampOf(migrationNameOf(b)));
    const database = await readProjectSchema(dataSource);
    let migrated: SchemaModel | undefined;
    try {
      await migrateScratchStepwise(dataSource, ordered, async (name, scratch) => {
        if (name === migrationNameOf(ordered[ordered.length - 1]!)) migrated = await readProjectSchema(scratch);
      });
    } catch (error) {
      if (error instanceof ScratchDatabaseError) throw new MigrationSafetyError(`Cannot baseline: ${error.message}`, EXIT.configuration);
      throw error;
    }
    const differences = diffSchemas(database, migrated!);
    if (differences.length > 0) {
      throw new MigrationSafetyError(
        [
          `Refusing to baseline: the database differs from what the migrations make in ${differences.length} place(s); nothing was recorded:`,
          formatDifferences(differences, 'database', 'migrations'),
          'Baseline records an identical schema only. Make these objects match, or run npm run migration:run on a database without them.',
        ].join('\n'),
        EXIT.refused,
      );
    }
    const table = migrationsTableName(dataSource);
    await runner.startTransaction();
    try {
      for (const migration of pending) {
        const name = migrationNameOf(migration);
        await runner.query(
          `INSERT INTO "${table}" ("timestamp", name, checksum, applied_at, duration_ms, applied_by)
           VALUES ($1, $2, $3, clock_timestamp(), NULL, current_user || ' via migration:baseline on ' || $4)`,
          [migrationTimestampOf(name), name, await migrationChecksum(migration, dataSource), applierDescription()],
        );
      }
      await runner.commitTransaction();
    } catch (error) {
      await runner.rollbackTransaction();
      throw error;
    }
    return { recorded: pending.map(migrationNameOf) };
  });
}
