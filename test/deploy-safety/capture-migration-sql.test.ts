import { Table } from 'typeorm';
import { captureMigrationSql, migrationChecksum } from '../../src/database/migration-safety';
import { useTestDatabase } from '../support/test-database';

/** The recording query runner: what other tools (checksums, plan, the linter) build on. */
describe('captureMigrationSql', () => {
  const db = useTestDatabase('empty');

  it("records a project migration's statements in order, for up and down, without touching the database", async () => {
    const [first] = db.dataSource.migrations;
    const up = await captureMigrationSql(first!, 'up');
    const down = await captureMigrationSql(first!, 'down');
    expect(up.some((sql) => /CREATE TABLE IF NOT EXISTS tenants/.test(sql))).toBe(true);
    expect(down.at(-1)).toContain('DROP FUNCTION IF EXISTS set_updated_at()');
    const [{ exists }] = await db.dataSource.query(`SELECT to_regclass('tenants') IS NOT NULL AS exists`);
    expect(exists).toBe(false);
  });

  it("records the SQL of TypeORM's helpers, with the DataSource's naming strategy when given, and inlines parameters", async () => {
    const migration = {
      name: 'Helper1700000000001',
      async up(queryRunner: import('typeorm').QueryRunner) {
        await queryRunner.createTable(new Table({ name: 'widgets', columns: [{ name: 'id', type: 'integer', isPrimary: true }] }));
        await queryRunner.query('UPDATE widgets SET id = $1 WHERE id = $2', [2, "o'clock"]);
      },
      async down() {},
    };
    expect(await captureMigrationSql(migration, 'up', db.dataSource)).toEqual([
      'CREATE TABLE "widgets" ("id" integer NOT NULL, CONSTRAINT "pk_widgets" PRIMARY KEY ("id"))',
      "UPDATE widgets SET id = 2 WHERE id = 'o''clock'",
    ]);
  });

  it('checksums change when the SQL changes and only then', async () => {
    const make = (sql: string) => ({ name: 'X1700000000001', up: async (q: import('typeorm').QueryRunner) => void (await q.query(sql)), down: async () => {} });
    const a = await migrationChecksum(make('CREATE TABLE a (id int)'));
    expect(await migrationChecksum(make('CREATE TABLE a (id int)'))).toBe(a);
    expect(await migrationChecksum(make('CREATE TABLE a (id bigint)'))).not.toBe(a);
  });
});
