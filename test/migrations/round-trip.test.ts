import { MigrationInterface } from 'typeorm';
import { CatalogModel, TableModel } from '../../src/schema/schema-model';
import { catalogOf, HARDENS_PUBLIC_SCHEMA, withoutPublicCreate } from '../support/catalog';
import { useTestDatabase } from '../support/test-database';

/**
 * The catalog with each table's columns in name order instead of position order. Only for a
 * migration that declares `downReordersColumns` (its `down` re-adds dropped columns, which
 * PostgreSQL can only append at the end of the table): every column's definition must still
 * come back exactly, and the test separately checks that the positions are all that differ.
 */
function withColumnsByName(catalog: CatalogModel): CatalogModel {
  const sorted = <T extends TableModel>(tables: Record<string, T>) =>
    Object.fromEntries(Object.entries(tables).map(([name, table]) => [name, { ...table, columns: [...table.columns].sort((a, b) => a.name.localeCompare(b.name)) }]));
  return { ...catalog, tables: sorted(catalog.tables), extras: { ...catalog.extras, partitions: sorted(catalog.extras.partitions) } };
}

/** Column names in position order, table by table. */
const columnOrder = (catalog: CatalogModel) => Object.fromEntries(Object.entries(catalog.tables).map(([name, table]) => [name, table.columns.map((c) => c.name)]));

const reordersColumns = (migration: MigrationInterface) =>
  (migration as MigrationInterface & { downReordersColumns?: boolean }).downReordersColumns === true;

/**
 * Every migration, in order, on an empty database: `down` restores exactly the catalog from
 * before `up` (readCatalog: with function owners and grants, schema and database privileges,
 * the project's roles and their memberships), and `up` again (twice, to prove its IF NOT EXISTS guards) restores exactly the
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
      // What `down` must restore: `before`, less the one hardening kept on purpose.
      const restored = label === HARDENS_PUBLIC_SCHEMA ? withoutPublicCreate(before) : before;

      await run(migration, 'up');
      const after = await catalogOf(db.dataSource);
      expect({ label, catalog: after }).not.toEqual({ label, catalog: before });

      await run(migration, 'down');
      const reverted = await catalogOf(db.dataSource);
      if (reordersColumns(migration)) {
        expect({ label, catalog: withColumnsByName(reverted) }).toEqual({ label, catalog: withColumnsByName(restored) });
        expect({ label, columns: columnOrder(reverted) }).not.toEqual({ label, columns: columnOrder(before) });
      } else {
        expect({ label, catalog: reverted }).toEqual({ label, catalog: restored });
      }

      await run(migration, 'up');
      await run(migration, 'up');
      expect({ label, catalog: await catalogOf(db.dataSource) }).toEqual({ label, catalog: after });
    }
  });
});
