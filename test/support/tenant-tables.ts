import { DataSource } from 'typeorm';

/**
 * Tables of the current schema that have a `tenant_id` column, read from the catalog rather
 * than from any list in the code, so a table added later is covered without anyone
 * remembering it. Partitions are left out: they are reached through their parent, whose
 * policies apply (see the catalog test for the privilege check on partitions).
 */
export async function tenantScopedTables(dataSource: DataSource): Promise<string[]> {
  const rows: { relname: string }[] = await dataSource.query(
    `SELECT c.relname FROM pg_class c
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
     ORDER BY c.relname`,
  );
  return rows.map((row) => row.relname);
}

/** Partitions of tenant-scoped tables: they must never be reachable by the application directly. */
export async function tenantScopedPartitions(dataSource: DataSource): Promise<string[]> {
  const rows: { relname: string }[] = await dataSource.query(
    `SELECT c.relname FROM pg_class c
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relispartition
     ORDER BY c.relname`,
  );
  return rows.map((row) => row.relname);
}
