import { MigrationInterface } from 'typeorm';
import { catalogOf } from '../support/catalog';
import { useTestDatabase } from '../support/test-database';

/**
 * Every migration, in order, on an empty database: `down` restores exactly the catalog from
 * before `up`, and `up` again (twice, to prove its IF NOT EXISTS guards) restores exactly the
 * catalog after the first `up`. Each step runs in a transaction, as the migration runner does, unless the migration
 * declares `transaction = false`.
 */
describe('every migration round-trips', () => {
  const db = useTestDatabase('empty');

  async function run(migration: MigrationInterface, step: 'up' | 'down'): Promise<void> {
    const runner = db.dataSource.createQueryRunner();
    // A migration that opts out of the transaction (CREATE INDEX CONCURRENTLY) runs without one.
    if (migration.transaction === false) {
      try {
        await migration[step](runner);
      } finally {
        await runner.release();
      }
      return;
    }
    await runner.startTransaction();
    try {
      await migration[step](runner);
      await runner.commitTransaction();
    } catch (error) {
      await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  it('up, down, up, up leave exactly the catalogs they should', async () => {
    const migrations = db.dataSource.migrations;
    expect(migrations.length).toBeGreaterThanOrEqual(5);

    for (const migration of migrations) {
      const label = migration.name ?? migration.constructor.name;
      const before = await catalogOf(db.dataSource);

      await run(migration, 'up');
      const after = await catalogOf(db.dataSource);
      expect({ label, catalog: after }).not.toEqual({ label, catalog: before });

      await run(migration, 'down');
      expect({ label, catalog: await catalogOf(db.dataSource) }).toEqual({ label, catalog: before });

      await run(migration, 'up');
      await run(migration, 'up');
      expect({ label, catalog: await catalogOf(db.dataSource) }).toEqual({ label, catalog: after });
    }
  });
});
