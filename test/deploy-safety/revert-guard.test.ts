import { EXIT } from '../../src/cli/exit-codes';
import { droppedByStatements } from '../../src/database/migration-safety/revert-guard';
import { runSeed } from '../../src/seed/run-seed';
import { runSafetyCli, runTypeorm, runTypeormCli } from '../support/cli';
import { MigrationSet } from '../support/migration-set';
import { useTestDatabase } from '../support/test-database';

// Several ts-node CLI processes per test.
jest.setTimeout(300_000);

const applied = async (db: ReturnType<typeof useTestDatabase>) =>
  (await db.dataSource.query(`SELECT name FROM schema_migrations ORDER BY id`)).map((row: { name: string }) => row.name);

/** A revert that would drop a table or column holding rows refuses, unless explicitly allowed. */
describe('the revert guard', () => {
  describe("on the project's migrations, over seeded data", () => {
    const db = useTestDatabase('migrated');

    it('refuses to drop tables with their rows (identity providers, clinical tables, keys), naming tables and row counts; the flag allows it', async () => {
      const seeded = await runSeed(db.dataSource, {});
      expect(seeded.inserted.ciam_group_role_mappings).toBeGreaterThan(0);
      const before = await applied(db);
      const env = { DATABASE_URL: db.settings.url };

      // The three identity-provider migrations sit under the four role and function migrations.
      const refused = await runSafetyCli(['revert', '--to', 'CreateUserCiamMappings1754250028000'], env);
      expect(refused.code).toBe(EXIT.refused);
      expect(refused.stderr).toContain('Refusing to revert: it would destroy data, and nothing was reverted');
      expect(refused.stderr).toMatch(/CreateCiamGroupRoleMappings1754250029000 would drop table ciam_group_role_mappings \(\d+ row\(s\)\)/);
      expect(refused.stderr).toContain('--allow-data-loss');
      expect(await applied(db)).toEqual(before);

      // Every table at risk is named, across several migrations, before any is reverted.
      const deeper = await runSafetyCli(['revert', '--to', 'CreateAuditLogChains1754250026000'], env);
      expect(deeper.code).toBe(EXIT.refused);
      expect(deeper.stderr).toMatch(/CreateTenantContextKeys1754250080000 would drop table tenant_context_keys \(1 row\(s\)\)/);
      expect(deeper.stderr).toMatch(/would drop table placement_records \(\d+ row\(s\)\)/);
      expect(deeper.stderr).toMatch(/would drop table ciam_systems \(\d+ row\(s\)\)/);
      expect(deeper.stderr).toMatch(/would drop table user_ciam_mappings \(\d+ row\(s\)\)/);
      expect(await applied(db)).toEqual(before);

      // The flag lets a revert drop a table with rows: here the tenant-context keys (reverting
      // further over seeded data would also need the clients' identity decrypted first, which the
      // expand step's own down insists on: test/phi/backfill.test.ts).
      const target = 'CreateAuditDdlGuard1754250064000';
      const allowed = await runSafetyCli(['revert', '--to', target, '--allow-data-loss'], env);
      expect(allowed.code).toBe(EXIT.ok);
      expect(await applied(db)).toEqual(before.slice(0, before.indexOf(target) + 1));
      const [{ keys }] = await db.dataSource.query(`SELECT to_regclass('tenant_context_keys') IS NULL AS keys`);
      expect(keys).toBe(true);
    });
  });

  describe('through the TypeORM CLI (FoundationDataSource.undoLastMigration)', () => {
    const db = useTestDatabase('empty');
    const widgets = {
      name: 'CreateWidgets1700000000001',
      up: ['CREATE TABLE widgets (id integer PRIMARY KEY)'],
      down: ['DROP TABLE widgets'],
    };
    const label = {
      name: 'AddWidgetLabel1700000000002',
      up: ['ALTER TABLE widgets ADD COLUMN label text'],
      down: ['ALTER TABLE widgets DROP COLUMN label'],
    };

    it('refuses a column holding values and a table holding rows; MIGRATION_ALLOW_DATA_LOSS=1 allows it', async () => {
      const set = new MigrationSet([widgets, label], { commandLine: true });
      const env = { DATABASE_URL: db.settings.url };
      try {
        expect((await runTypeorm(['migration:run'], set.dataSourceFile, env)).code).toBe(0);
        await db.dataSource.query(`INSERT INTO widgets (id, label) VALUES (1, NULL), (2, 'two'), (3, 'three')`);

        const column = await runTypeorm(['migration:revert'], set.dataSourceFile, env);
        expect(column.code).toBe(EXIT.refused);
        expect(column.stderr).toContain('AddWidgetLabel1700000000002 would drop column widgets.label (2 row(s) with a value)');
        expect(column.stderr).toContain('MIGRATION_ALLOW_DATA_LOSS=1');

        await db.dataSource.query(`UPDATE widgets SET label = NULL`);
        expect((await runTypeorm(['migration:revert'], set.dataSourceFile, env)).code).toBe(0); // no value is lost

        const table = await runTypeorm(['migration:revert'], set.dataSourceFile, env);
        expect(table.code).toBe(EXIT.refused);
        expect(table.stderr).toContain('CreateWidgets1700000000001 would drop table widgets (3 row(s))');

        const allowed = await runTypeorm(['migration:revert'], set.dataSourceFile, { ...env, MIGRATION_ALLOW_DATA_LOSS: '1' });
        expect(allowed.code).toBe(0);
        const [{ exists }] = await db.dataSource.query(`SELECT to_regclass('widgets') IS NOT NULL AS exists`);
        expect(exists).toBe(false);
      } finally {
        set.remove();
      }
    });

    it('through ormconfig.ts too: the latest project migration drops no table, so it is not refused', async () => {
      const env = { DATABASE_URL: db.settings.url };
      await db.dataSource.query('DROP TABLE IF EXISTS schema_migrations');
      expect((await runTypeormCli(['migration:run'], env)).code).toBe(0);
      expect((await runTypeormCli(['migration:revert'], env)).code).toBe(0);
    });
  });

  it('reads the tables and columns a down drops, and nothing else', () => {
    expect(
      droppedByStatements([
        'DROP TABLE IF EXISTS a, "b" CASCADE',
        'ALTER TABLE c DROP COLUMN IF EXISTS d, DROP CONSTRAINT chk_c, ALTER COLUMN e DROP DEFAULT, DROP f',
        'ALTER TABLE IF EXISTS ONLY g DROP CONSTRAINT x',
        'DROP INDEX IF EXISTS ix_h',
        'DROP TYPE i_enum',
      ]),
    ).toEqual([{ table: 'a' }, { table: 'b' }, { table: 'c', column: 'd' }, { table: 'c', column: 'f' }]);
  });
});
