import { DataSource } from 'typeorm';
import { CatalogSnapshot, snapshotCatalog } from '../../src/database/catalog-snapshot';
import { MIGRATIONS_TABLE } from '../../src/database/data-source-options';

/** The catalog of our objects, leaving out TypeORM's bookkeeping table. */
export function catalogOf(dataSource: DataSource): Promise<CatalogSnapshot> {
  return snapshotCatalog((sql) => dataSource.query(sql), { excludeTables: [MIGRATIONS_TABLE] });
}
