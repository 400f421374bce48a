import { tenantScopedTables } from '../support/tenant-tables';
import { useTestDatabase } from '../support/test-database';

/**
 * Keys that may leave out tenant_id, each with the reason. Citus needs the distribution column
 * (tenant_id) in every primary key and unique constraint of a distributed table, and foreign
 * keys between distributed tables on it; anything here must be dealt with by hand before
 * distributing (see docs/distributed.md). Empty today.
 */
const KEYS_WITHOUT_TENANT_ID: Readonly<Record<string, string>> = {};

/** Tables that are Citus reference tables (copied to every node), which any table may reference. */
const REFERENCE_TABLES = ['tenants'];

interface Key {
  table: string;
  name: string;
  kind: 'primary key' | 'unique' | 'foreign key';
  columns: string[];
  referencedTable: string | null;
  referencedColumns: string[] | null;
}

/**
 * Every primary key, unique constraint or index and foreign key of a tenant-scoped table
 * includes tenant_id, and every foreign key either points at a reference table or matches
 * tenant_id to tenant_id (co-located), unless it is listed above with a reason.
 */
describe('distributed readiness: tenant_id in every key', () => {
  const db = useTestDatabase();
  let keys: Key[];

  beforeAll(async () => {
    const tables = await tenantScopedTables(db.dataSource);
    keys = await db.dataSource.query(
      `SELECT c.relname AS "table", con.conname AS name,
              CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' ELSE 'foreign key' END AS kind,
              ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
              r.relname AS "referencedTable",
              CASE WHEN con.contype = 'f' THEN ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) END AS "referencedColumns"
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       LEFT JOIN pg_class r ON r.oid = con.confrelid
       WHERE c.relname = ANY ($1) AND c.relnamespace = current_schema()::regnamespace AND con.contype IN ('p', 'u', 'f')
       UNION ALL
       SELECT c.relname, i.relname, 'unique',
              ARRAY(SELECT COALESCE(a.attname::text, '(expression)') FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, o)
                    LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.o),
              NULL, NULL
       FROM pg_index x
       JOIN pg_class c ON c.oid = x.indrelid
       JOIN pg_class i ON i.oid = x.indexrelid
       WHERE c.relname = ANY ($1) AND c.relnamespace = current_schema()::regnamespace
         AND x.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid)`,
      [tables],
    );
  });

  it('finds the keys it is checking', () => {
    expect(keys.filter((key) => key.kind === 'primary key').length).toBeGreaterThanOrEqual(4);
    expect(keys.filter((key) => key.kind === 'foreign key').length).toBeGreaterThanOrEqual(6);
  });

  it('every primary key, unique constraint and unique index includes tenant_id', () => {
    const missing = keys
      .filter((key) => key.kind !== 'foreign key' && !key.columns.includes('tenant_id'))
      .filter((key) => !(key.name in KEYS_WITHOUT_TENANT_ID));
    expect(missing).toEqual([]);
  });

  it('every foreign key points at a reference table or pairs tenant_id with tenant_id (co-located)', () => {
    const wrong = keys
      .filter((key) => key.kind === 'foreign key' && !(key.name in KEYS_WITHOUT_TENANT_ID))
      .filter((key) => {
        const position = key.columns.indexOf('tenant_id');
        if (position < 0) return true;
        if (REFERENCE_TABLES.includes(key.referencedTable!)) return false;
        return key.referencedColumns![position] !== 'tenant_id';
      });
    expect(wrong).toEqual([]);
  });

  it('the exceptions list names only keys that exist', () => {
    const names = new Set(keys.map((key) => key.name));
    expect(Object.keys(KEYS_WITHOUT_TENANT_ID).filter((name) => !names.has(name))).toEqual([]);
  });
});
