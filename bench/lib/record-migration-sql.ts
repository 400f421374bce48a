import 'reflect-metadata';
import { QueryRunner } from 'typeorm';
import { ConnectionSettings } from '../../src/database/connection-settings';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { FoundationDataSource } from '../../src/database/foundation-data-source';
import { isCaptureRunner, recordWhileSending } from '../../src/database/migration-safety/capture-migration-sql';

/**
 * Migrates the (empty) database at `settings` and returns, as one psql script, exactly the
 * statements the migrations sent, each migration in its own BEGIN/COMMIT as the project's
 * 'each' transaction mode runs them (a migration with `transaction = false` runs bare).
 * TypeORM's own bookkeeping (schema_migrations) is left out: the script is the floor that any
 * migration runner must pay.
 *
 * Recording while really running (rather than calling `up` on a fake) keeps migrations that
 * read the catalog before deciding what to do honest. The recording is capture-migration-sql's,
 * the project's one way of capturing a migration's SQL.
 */
export async function recordMigrationSql(settings: ConnectionSettings): Promise<{ script: string; statements: number; migrations: number }> {
  const dataSource = new FoundationDataSource(buildDataSourceOptions(settings), settings);
  await dataSource.initialize();
  const parts: string[] = [];
  let statements = 0;
  try {
    for (const migration of dataSource.migrations) {
      const up = migration.up.bind(migration);
      migration.up = async (queryRunner: QueryRunner) => {
        // The safety layer captures each migration's SQL for its checksum first: not a real run.
        if (isCaptureRunner(queryRunner)) return up(queryRunner);
        const own: string[] = [];
        await up(recordWhileSending(queryRunner, own));
        statements += own.length;
        const body = own.map((sql) => `${sql.trim()};`).join('\n');
        parts.push(migration.transaction === false ? body : `BEGIN;\n${body}\nCOMMIT;`);
      };
    }
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
  return { script: `${parts.join('\n')}\n`, statements, migrations: dataSource.migrations.length };
}
