import { MigrationInterface, QueryRunner } from 'typeorm';
import { catalogOf } from '../support/catalog';
import { withMigrations } from '../support/safety-data-source';
import { useTestDatabase } from '../support/test-database';

type MigrationClass = new () => MigrationInterface;

/** The project's migration with a failure injected after all of its own statements. */
function failingAfterUp(original: MigrationClass): MigrationClass {
  return class extends original {
    override async up(queryRunner: QueryRunner): Promise<void> {
      await super.up(queryRunner);
      await queryRunner.query('SELECT 1 / 0 AS injected_fault');
    }
  };
}

/**
 * A migration that fails, at any point of the project's migration list, leaves the schema
 * and the migrations table exactly as they were before it: everything it did is rolled back,
 * its bookkeeping row is never written, the migrations before it stay applied. The one
 * exception is a migration with `transaction = false`, which no database can roll back: it
 * stays unrecorded and completes when run again, leaving no invalid index behind.
 */
describe('a failing migration changes nothing', () => {
  const db = useTestDatabase('empty');

  async function state() {
    const table: { exists: boolean }[] = await db.dataSource.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`);
    const rows = table[0]!.exists
      ? await db.dataSource.query(`SELECT id, "timestamp", name, checksum FROM schema_migrations ORDER BY id`)
      : [];
    return { catalog: await catalogOf(db.dataSource), rows };
  }

  it('for a failure injected into each migration in turn', async () => {
    const project = db.dataSource.migrations.map((migration) => migration.constructor as MigrationClass);
    expect(project.length).toBeGreaterThanOrEqual(5);

    for (const [index, migration] of project.entries()) {
      const label = migration.name;
      const before = await state();
      const withFault = project.map((candidate, position) => (position === index ? failingAfterUp(candidate) : candidate));
      await withMigrations(db.settings, withFault, async (dataSource) => {
        await expect(dataSource.runMigrations()).rejects.toThrow('division by zero');
      });
      const after = await state();
      if ((new migration() as MigrationInterface).transaction === false) {
        // Outside a transaction (CREATE INDEX CONCURRENTLY) PostgreSQL cannot undo what already
        // ran. What still holds: the migration is not recorded as applied, and running it again
        // completes it, because each of its statements is idempotent (IF [NOT] EXISTS).
        expect({ label, rows: after.rows }).toEqual({ label, rows: before.rows });
      } else {
        expect({ label, state: after }).toEqual({ label, state: before });
      }

      // Then the real migration, so the next one is tried on top of it.
      await withMigrations(db.settings, project.slice(0, index + 1), (dataSource) => dataSource.runMigrations());
      expect((await state()).rows).toHaveLength(index + 1);
      const invalid = await db.dataSource.query(`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE NOT indisvalid`);
      expect({ label, invalid }).toEqual({ label, invalid: [] });
    }
  });
});
