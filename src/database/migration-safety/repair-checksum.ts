import { recordMigrationEvent } from '../../audit/migration-events';
import { DataSource } from 'typeorm';
import { migrationChecksum, migrationNameOf } from './checksums';
import { EXIT, MigrationSafetyError } from './errors';
import { withGuardedSession } from './guarded-session';
import { migrationsTableName } from './migrations-table';
import { applierDescription } from './session';
import { MigrationSafetySettings } from './settings';

export interface RepairResult {
  name: string;
  previous: string | null;
  recorded: string;
}

/**
 * Re-records the checksum of one applied migration from its current code, after a human has
 * reviewed why the code changed. Does not run anything else; other mismatches stay reported.
 */
export async function repairChecksum(
  dataSource: DataSource,
  name: string,
  settings: MigrationSafetySettings,
  say: (line: string) => void,
): Promise<RepairResult> {
  return withGuardedSession(
    dataSource,
    settings,
    say,
    async ({ runner, applied }) => {
      const row = applied.find((candidate) => candidate.name === name);
      if (!row) throw new MigrationSafetyError(`Cannot repair ${name}: it is not an applied migration`, EXIT.failed);
      const migration = dataSource.migrations.find((candidate) => migrationNameOf(candidate) === name);
      if (!migration) {
        throw new MigrationSafetyError(`Cannot repair ${name}: no migration class by that name is in the code`, EXIT.unknownApplied);
      }
      const recorded = await migrationChecksum(migration, dataSource);
      await runner.startTransaction();
      try {
        await runner.query(`UPDATE "${migrationsTableName(dataSource)}" SET checksum = $1 WHERE id = $2`, [recorded, row.id]);
        await recordMigrationEvent(runner.manager, { action: 'repair', name, checksum: recorded, actor: applierDescription(), details: { previous: row.checksum } });
        await runner.commitTransaction();
      } catch (error) {
        await runner.rollbackTransaction();
        throw error;
      }
      return { name, previous: row.checksum, recorded };
    },
    { verify: false },
  );
}
