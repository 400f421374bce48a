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

/** The migration whose `down` deliberately leaves one of its changes in place (see below). */
export const HARDENS_PUBLIC_SCHEMA = 'CreateApplicationRole1754250030000';

/**
 * `catalog` as it must look after CreateApplicationRole's `down`: PUBLIC without CREATE on the
 * public schema. Its `up` revokes that privilege (PostgreSQL 14 and earlier grant it to PUBLIC by
 * default; 15 and later do not), and its `down` does not grant it back, on purpose: that would
 * re-open the hole on a database that never had it (the migration's own comment). Everything
 * else must come back exactly; on 15 and later this changes nothing.
 */
export function withoutPublicCreate(catalog: CatalogModel): CatalogModel {
  const publicGrants = catalog.schemaGrants.PUBLIC;
  if (publicGrants === undefined) return catalog;
  const kept = publicGrants.split(',').filter((privilege) => privilege !== 'CREATE').join(',');
  const schemaGrants = { ...catalog.schemaGrants };
  if (kept) schemaGrants.PUBLIC = kept;
  else delete schemaGrants.PUBLIC;
  return { ...catalog, schemaGrants };
}
