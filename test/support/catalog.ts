import { DataSource } from 'typeorm';
import { MIGRATIONS_TABLE } from '../../src/database/data-source-options';
import { readCatalog } from '../../src/schema/read-schema';
import { CatalogModel } from '../../src/schema/schema-model';

/**
 * The whole catalog of our objects (src/schema/read-schema.ts, readCatalog: the schema model
 * plus partitions, sequences, event triggers, the project's roles, role settings and database
 * grants), leaving out TypeORM's bookkeeping table.
 */
export function catalogOf(dataSource: DataSource): Promise<CatalogModel> {
  return readCatalog((sql, parameters) => dataSource.query(sql, parameters), { excludeTables: [MIGRATIONS_TABLE] });
}
