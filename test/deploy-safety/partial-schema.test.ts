import { MigrationInterface, QueryRunner } from 'typeorm';
import { EXIT } from '../../src/cli/exit-codes';
import { captureMigrationSql } from '../../src/database/migration-safety';
import { guardPartialSchema, ownersOfKey, createdNames } from '../../src/database/migration-safety/partial-schema';
import { FoundationDataSource } from '../../src/database/foundation-data-source';
import { runSafetyCli, runTypeormCli } from '../support/cli';
import { catalogOf } from '../support/catalog';
import { useTestDatabase } from '../support/test-database';

// CLI processes that migrate scratch databases, slow while the suite loads both cores.
jest.setTimeout(300_000);

/** Runs the `up` of the project's first `count` migrations by hand: objects without bookkeeping. */
async function createByHand(dataSource: FoundationDataSource, count: number, before: string[] = [], after: string[] = []): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    for (const sql of before) await runner.query(sql);
    for (const migration of dataSource.migrations.slice(0, count)) await migration.up(runner);
    for (const sql of after) await runner.query(sql);
  } finally {
    await runner.release();
  }
}

async function bookkeeping(dataSource: FoundationDataSource): Promise<string[]> {
  const [{ exists }] = await dataSource.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`);
  return exists ? (await dataSource.query(`SELECT name FROM schema_migrations ORDER BY id`)).map((row: { name: string }) => row.name) : [];
}

async function tables(dataSource: FoundationDataSource): Promise<string[]> {
  return (
    await dataSource.query(`SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition AND relname <> 'schema_migrations' ORDER BY 1`)
  ).map((row: { relname: string }) => row.relname);
}

describe('partial schemas: objects of ours that exist before their migrations run', () => {
  describe('in another shape', () => {
    const db = useTestDatabase('empty');

    it('are refused before anything is applied, naming every differing object (project runner and TypeORM CLI)', async () => {
      // Tenants exactly as their migration makes them; users with an older enum, a CHECK
      // missing and a column of another type.
      await createByHand(
        db.dataSource,
        2,
        [`CREATE TYPE user_role_enum AS ENUM ('platform_admin', 'tenant_admin', 'staff', 'viewer')`],
        ['ALTER TABLE users DROP CONSTRAINT chk_users_display_name_length', 'ALTER TABLE users ALTER COLUMN last_name TYPE varchar(80)'],
      );
      const catalog = await catalogOf(db.dataSource);

      for (const result of [await runSafetyCli(['run'], { DATABASE_URL: db.settings.url }), await runTypeormCli(['migration:run'], { DATABASE_URL: db.settings.url })]) {
        expect(result.code).toBe(EXIT.refused);
        expect(result.stderr).toContain('Refusing to migrate: ');
        expect(result.stderr).toContain('enum user_role_enum');
        expect(result.stderr).toContain('constraint users.chk_users_display_name_length');
        expect(result.stderr).toContain('column users.last_name');
        expect(result.stderr).not.toMatch(/^\s+(table|column|constraint|index|comment on \S+) tenants\b/m); // identical: not named
        expect(result.stderr).toContain('npm run migration:baseline');
      }
      // Nothing applied, nothing recorded.
      expect(await catalogOf(db.dataSource)).toEqual(catalog);
      expect(await tables(db.dataSource)).toEqual(['tenants', 'users']);
      expect(await bookkeeping(db.dataSource)).toEqual([]);
    });
  });

  describe('identical to what the migrations make', () => {
    const db = useTestDatabase('empty');

    it('are adopted: the run applies the rest and says so', async () => {
      await createByHand(db.dataSource, 2);
      const result = await runSafetyCli(['run'], { DATABASE_URL: db.settings.url });
      expect(result.code).toBe(EXIT.ok);
      expect(result.stderr).toMatch(/already present, identical to what the pending migrations make: .*\busers\b/);
      expect(await bookkeeping(db.dataSource)).toHaveLength(db.dataSource.migrations.length);
      expect((await runSafetyCli(['status'], { DATABASE_URL: db.settings.url })).code).toBe(EXIT.ok);
    });
  });

  describe('baseline', () => {
    const db = useTestDatabase('empty');

    it('refuses a schema that differs, naming each difference and recording nothing; records an identical one', async () => {
      const all = db.dataSource.migrations.length;
      await createByHand(db.dataSource, all, [], [`COMMENT ON TABLE facilities IS 'edited by hand'`]);
      const refused = await runSafetyCli(['baseline'], { DATABASE_URL: db.settings.url });
      expect(refused.code).toBe(EXIT.refused);
      expect(refused.stderr).toContain('Refusing to baseline');
      expect(refused.stderr).toContain('comment on table facilities');
      expect(await bookkeeping(db.dataSource)).toEqual([]);

      await db.dataSource.query(`COMMENT ON TABLE facilities IS ${await originalComment()}`);
      const recorded = await runSafetyCli(['baseline'], { DATABASE_URL: db.settings.url });
      expect(recorded.code).toBe(EXIT.ok);
      expect(recorded.stdout).toContain(`Recorded as applied (${all})`);
      const status = await runSafetyCli(['status', '--json'], { DATABASE_URL: db.settings.url });
      expect(status.code).toBe(EXIT.ok);
      expect(JSON.parse(status.stdout).applied.every((row: { checksum: string }) => row.checksum === 'ok')).toBe(true);
    });

    /** The facilities comment as its migration writes it, quoted for SQL. */
    async function originalComment(): Promise<string> {
      const migration = db.dataSource.migrations.find((m) => m.name?.startsWith('CreateFacilities'))!;
      const statement = (await captureMigrationSql(migration, 'up')).find((sql) => sql.startsWith('COMMENT ON TABLE facilities IS'))!;
      return statement.slice('COMMENT ON TABLE facilities IS '.length);
    }
  });

  describe('cost', () => {
    const db = useTestDatabase('migrated');

    /** A real query runner that counts the queries sent through it. */
    function countingRunner(): { runner: QueryRunner; count: () => number } {
      const runner = db.dataSource.createQueryRunner();
      let sent = 0;
      const query = runner.query.bind(runner);
      runner.query = ((sql: string, parameters?: unknown[]) => {
        sent++;
        return query(sql, parameters);
      }) as QueryRunner['query'];
      return { runner, count: () => sent };
    }

    it('nothing pending: no query at all; pending migrations creating only new objects: one catalog query', async () => {
      const applied = new Set(db.dataSource.migrations.map((m) => m.name!));
      const noop = countingRunner();
      await guardPartialSchema(db.dataSource, noop.runner, applied, () => undefined);
      expect(noop.count()).toBe(0);
      await noop.runner.release();

      const newTable: MigrationInterface = {
        name: 'CreateWidgets1800000000000',
        up: async (runner) => void (await runner.query('CREATE TABLE IF NOT EXISTS widgets (id integer)')),
        down: async (runner) => void (await runner.query('DROP TABLE widgets')),
      };
      const withNew = Object.create(db.dataSource, { migrations: { value: [...db.dataSource.migrations, newTable] } }) as FoundationDataSource;
      const probe = countingRunner();
      await guardPartialSchema(withNew, probe.runner, applied, () => undefined);
      expect(probe.count()).toBe(1);
      await probe.runner.release();
    });
  });

  it('finds the names migrations create, DO blocks included, and what each catalog entry is about', () => {
    expect(createdNames([
      `DO $$ BEGIN CREATE TYPE a_enum AS ENUM ('x'); EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
      'CREATE TABLE IF NOT EXISTS "t1" (id int)',
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_t1 ON t1 (id)',
      'CREATE OR REPLACE FUNCTION f1(a int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
      'CREATE EXTENSION IF NOT EXISTS citext',
    ])).toEqual({ relations: ['t1', 'ix_t1'], types: ['a_enum'], functions: ['f1'] });
    expect(ownersOfKey('column users.email')).toEqual(['users', 'email']);
    expect(ownersOfKey('grant on table users to foundation_app')).toEqual(['users']);
    expect(ownersOfKey('function body search_clients(text, integer)')).toEqual(['search_clients']);
    expect(ownersOfKey('comment on type user_role_enum')).toEqual(['user_role_enum']);
  });
});
