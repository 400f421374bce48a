import { catalogOf } from '../support/catalog';
import { useTestDatabase } from '../support/test-database';

/** Running every migration and reverting them one by one leaves nothing of ours behind. */
describe('reverting every migration', () => {
  const db = useTestDatabase('empty');

  it('returns the database to the catalog it had before the first migration', async () => {
    const pristine = await catalogOf(db.dataSource);
    const applied = await db.dataSource.runMigrations({ transaction: 'each' });
    expect(applied.map((migration) => migration.name)).toEqual(db.dataSource.migrations.map((m) => m.name));

    // undoLastMigration ignores a migration's `transaction = false`, so choose the mode per migration.
    for (const migration of [...applied].reverse()) {
      await db.dataSource.undoLastMigration({ transaction: migration.instance?.transaction === false ? 'none' : 'each' });
    }

    expect(await catalogOf(db.dataSource)).toEqual(pristine);
    expect(await db.dataSource.showMigrations()).toBe(true); // all pending again
  });
});
