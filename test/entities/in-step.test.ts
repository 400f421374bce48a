import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { useTestDatabase } from '../support/test-database';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');

/** "In step": after all migrations, the entities describe exactly the schema. */
describe('entities and migrations are in step', () => {
  const db = useTestDatabase('migrated');

  it("TypeORM's schema diff is empty", async () => {
    const diff = await db.dataSource.driver.createSchemaBuilder().log();
    expect(diff.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('`typeorm migration:generate --check` exits 0 through the CLI and ormconfig.ts', async () => {
    const { stdout } = await run(
      path.join(root, 'node_modules/.bin/typeorm-ts-node-commonjs'),
      ['migration:generate', 'src/migrations/InStepCheck', '--check', '-d', 'ormconfig.ts'],
      { cwd: root, env: { ...process.env, DATABASE_URL: db.settings.url, TS_NODE_TRANSPILE_ONLY: '1' } },
    );
    expect(stdout).toContain('No changes in database schema were found');
  });

  it('every entity maps to a table, and every table of ours has an entity', async () => {
    // Partitions are part of their partitioned table's entity, not tables of their own.
    const tables: { table_name: string }[] = await db.dataSource.query(
      `SELECT c.relname AS table_name FROM pg_class c
       WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
         AND NOT c.relispartition AND c.relname <> 'schema_migrations'
       ORDER BY c.relname`,
    );
    const entityTables = db.dataSource.entityMetadatas.map((metadata) => metadata.tableName).sort();
    expect(entityTables).toEqual(tables.map((row) => row.table_name));
  });
});
