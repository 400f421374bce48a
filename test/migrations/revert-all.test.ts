import { catalogOf, withoutPublicCreate } from '../support/catalog';
import { useTestDatabase } from '../support/test-database';

/** Running every migration and reverting them one by one leaves nothing of ours behind. */
describe('reverting every migration', () => {
  const db = useTestDatabase('empty');

  it('returns the database to the catalog it had before the first migration', async () => {
    const pristine = await catalogOf(db.dataSource);
    const applied = await db.dataSource.runMigrations({ transaction: 'each' });
    expect(applied.map((migration) => migration.name)).toEqual(db.dataSource.migrations.map((m) => m.name));

    // As the TypeORM CLI calls it: FoundationDataSource honours each migration's `transaction = false`
    // (IndexClientNamesByTenant's DROP INDEX CONCURRENTLY would fail inside a transaction). The
    // system audit log holds the runs of the migrations themselves, which the revert guard will
    // not drop unasked: allowed here as a user would, with MIGRATION_ALLOW_DATA_LOSS=1.
    process.env.MIGRATION_ALLOW_DATA_LOSS = '1';
    try {
      for (let i = 0; i < applied.length; i++) await db.dataSource.undoLastMigration({ transaction: 'each' });
    } finally {
      delete process.env.MIGRATION_ALLOW_DATA_LOSS;
    }

    // Less PUBLIC's CREATE on the public schema (PostgreSQL 14's default), which
    // CreateApplicationRole revokes and deliberately does not grant back.
    expect(await catalogOf(db.dataSource)).toEqual(withoutPublicCreate(pristine));
    expect(await db.dataSource.showMigrations()).toBe(true); // all pending again
  });
});
