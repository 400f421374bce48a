import 'reflect-metadata';
import { QueryRunner } from 'typeorm';
import { ConnectionSettings } from '../../src/database/connection-settings';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { FoundationDataSource } from '../../src/database/foundation-data-source';
import { inlineParameters } from '../../src/database/migration-safety/capture-migration-sql';

/**
 * Migrates the (empty) database at `settings` and returns, as one psql script, exactly the
 * statements the migrations sent, each migration in its own BEGIN/COMMIT as the project's
 * 'each' transaction mode runs them (a migration with `transaction = false` runs bare).
 * TypeORM's own bookkeeping (schema_migrations) is left out: the script is the floor that any
 * migration runner must pay.
 *
 * Recording while really running (rather than calling `up` on a fake) keeps migrations that
 * read the catalog before deciding what to do honest.
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
        const own: string[] = [];
        await up(recording(queryRunner, own));
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

/** The same query runner, with every `query()` call also written down (parameters inlined). */
function recording(queryRunner: QueryRunner, into: string[]): QueryRunner {
  return new Proxy(queryRunner, {
    get(target, property, receiver) {
      if (property === 'query') {
        return (sql: string, parameters?: unknown[], ...rest: unknown[]) => {
          into.push(parameters?.length ? inlineParameters(sql, parameters) : sql);
          return (target.query as (...args: unknown[]) => unknown)(sql, parameters, ...rest);
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
