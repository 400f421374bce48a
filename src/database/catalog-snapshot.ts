/**
 * A normalised, sorted description of everything this project creates in a database: one
 * line per object, so two snapshots compare with a plain diff. It covers what TypeORM's
 * schema diff cannot see (CHECK expressions, index predicates and operator classes, column
 * order, triggers, functions, policies, grants, comments), and the database's event triggers.
 *
 * Objects that belong to an extension are left out: they are described by the extension's
 * name and version instead.
 */
export type CatalogSnapshot = Record<CatalogSection, string[]>;

export type CatalogSection =
  | 'extensions'
  | 'types'
  | 'tables'
  | 'columns'
  | 'constraints'
  | 'indexes'
  | 'functions'
  | 'triggers'
  | 'policies'
  | 'grants'
  | 'comments'
  | 'eventTriggers';

/** Runs one query and returns its rows; adapts pg clients, TypeORM DataSources and query runners. */
export type RunQuery = (sql: string) => Promise<Record<string, unknown>[]>;

const NOT_FROM_EXTENSION = (oid: string, catalog: string) => `
  NOT EXISTS (
    SELECT 1 FROM pg_depend d
    WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e'
  )`;

/**
 * Tables, views and sequences in the current schema, except the excluded tables (`$EXCLUDED`)
 * and the sequences they own.
 */
const OUR_RELATIONS = `
  SELECT c.oid, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.relacl, c.relowner,
         c.relispartition, c.relpartbound
  FROM pg_class c
  WHERE c.relnamespace = current_schema()::regnamespace
    AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
    AND NOT (c.relname = ANY ($EXCLUDED))
    AND NOT EXISTS (
      SELECT 1 FROM pg_depend d JOIN pg_class owner ON owner.oid = d.refobjid
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')
        AND owner.relname = ANY ($EXCLUDED)
    )
    AND ${NOT_FROM_EXTENSION('c.oid', 'pg_class')}`;

const QUERIES: Record<CatalogSection, string> = {
  extensions: `
    SELECT extname AS line FROM pg_extension WHERE extname <> 'plpgsql'`,
  types: `
    SELECT t.typname || ' ' || CASE t.typtype
             WHEN 'e' THEN 'enum (' || (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                                        FROM pg_enum e WHERE e.enumtypid = t.oid) || ')'
             WHEN 'd' THEN 'domain ' || format_type(t.typbasetype, t.typtypmod)
             ELSE t.typtype::text END AS line
    FROM pg_type t
    WHERE t.typnamespace = current_schema()::regnamespace
      AND t.typtype IN ('e', 'd')
      AND ${NOT_FROM_EXTENSION('t.oid', 'pg_type')}`,
  tables: `
    SELECT r.relname || ' kind=' || r.relkind::text
           || CASE WHEN r.relispartition THEN ' partition-of=' || (
                SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = r.oid)
                || ' ' || pg_get_expr(r.relpartbound, r.oid) ELSE '' END
           || CASE WHEN pt.partrelid IS NOT NULL THEN ' partitioned-by=' || pg_get_partkeydef(r.oid) ELSE '' END
           || ' rls=' || r.relrowsecurity || ' force-rls=' || r.relforcerowsecurity AS line
    FROM (${OUR_RELATIONS}) r
    LEFT JOIN pg_partitioned_table pt ON pt.partrelid = r.oid`,
  columns: `
    SELECT r.relname || '.' || lpad(row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum)::text, 3, '0')
           || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
           || COALESCE(' DEFAULT ' || pg_get_expr(ad.adbin, ad.adrelid), '')
           || CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END
           || CASE WHEN a.attgenerated <> '' THEN ' GENERATED ' || a.attgenerated::text ELSE '' END AS line
    FROM (${OUR_RELATIONS}) r
    JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE r.relkind <> 'S'`,
  constraints: `
    SELECT r.relname || ' ' || con.conname || ': ' || pg_get_constraintdef(con.oid)
           || CASE WHEN con.convalidated THEN '' ELSE ' (not validated)' END AS line
    FROM (${OUR_RELATIONS}) r
    JOIN pg_constraint con ON con.conrelid = r.oid`,
  indexes: `
    SELECT r.relname || ' ' || pg_get_indexdef(i.indexrelid)
           || CASE WHEN i.indisvalid THEN '' ELSE ' (invalid)' END AS line
    FROM (${OUR_RELATIONS}) r
    JOIN pg_index i ON i.indrelid = r.oid`,
  functions: `
    SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') '
           || md5(pg_get_functiondef(p.oid)) AS line
    FROM pg_proc p
    WHERE p.pronamespace = current_schema()::regnamespace
      AND p.prokind IN ('f', 'p')
      AND ${NOT_FROM_EXTENSION('p.oid', 'pg_proc')}`,
  triggers: `
    SELECT r.relname || ' ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text AS line
    FROM (${OUR_RELATIONS}) r
    JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal`,
  policies: `
    SELECT p.tablename || ' ' || p.policyname || ' ' || p.permissive || ' ' || p.cmd
           || ' to=' || array_to_string(p.roles, ',')
           || COALESCE(' using=' || p.qual, '') || COALESCE(' check=' || p.with_check, '') AS line
    FROM pg_policies p
    WHERE p.schemaname = current_schema() AND NOT (p.tablename = ANY ($EXCLUDED))`,
  grants: `
    SELECT r.relname || ' ' || acl.grantee::regrole || ' ' || string_agg(acl.privilege_type, ',' ORDER BY acl.privilege_type) AS line
    FROM (${OUR_RELATIONS}) r
    CROSS JOIN LATERAL aclexplode(r.relacl) acl
    WHERE acl.grantee <> 0 AND acl.grantee <> r.relowner
    GROUP BY r.relname, acl.grantee`,
  comments: `
    SELECT 'table ' || r.relname || ': ' || obj_description(r.oid, 'pg_class') AS line
    FROM (${OUR_RELATIONS}) r WHERE obj_description(r.oid, 'pg_class') IS NOT NULL
    UNION ALL
    SELECT 'column ' || r.relname || '.' || a.attname || ': ' || col_description(r.oid, a.attnum)
    FROM (${OUR_RELATIONS}) r
    JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE col_description(r.oid, a.attnum) IS NOT NULL
    UNION ALL
    SELECT 'function ' || p.proname || ': ' || obj_description(p.oid, 'pg_proc')
    FROM pg_proc p
    WHERE p.pronamespace = current_schema()::regnamespace
      AND obj_description(p.oid, 'pg_proc') IS NOT NULL
      AND ${NOT_FROM_EXTENSION('p.oid', 'pg_proc')}
    UNION ALL
    SELECT 'type ' || t.typname || ': ' || obj_description(t.oid, 'pg_type')
    FROM pg_type t
    WHERE t.typnamespace = current_schema()::regnamespace
      AND obj_description(t.oid, 'pg_type') IS NOT NULL
      AND ${NOT_FROM_EXTENSION('t.oid', 'pg_type')}`,
  // Database-wide, like the audit DDL guard's (CreateAuditDdlGuard), with their functions' schemas.
  eventTriggers: `
    SELECT e.evtname || ' on ' || e.evtevent || ' execute ' || e.evtfoid::regprocedure::text
           || ' enabled=' || e.evtenabled::text
           || COALESCE(' tags=' || array_to_string(e.evttags, ','), '') AS line
    FROM pg_event_trigger e
    WHERE ${NOT_FROM_EXTENSION('e.oid', 'pg_event_trigger')}`,
};

export const CATALOG_SECTIONS = Object.keys(QUERIES) as CatalogSection[];

export interface SnapshotOptions {
  /** Tables to leave out, such as TypeORM's own migrations table. */
  excludeTables?: string[];
}

/** Reads the catalog of the database that `runQuery` talks to. */
export async function snapshotCatalog(runQuery: RunQuery, options: SnapshotOptions = {}): Promise<CatalogSnapshot> {
  const excluded = `ARRAY[${(options.excludeTables ?? []).map(quoteLiteral).join(', ')}]::name[]`;
  const snapshot = {} as CatalogSnapshot;
  for (const section of CATALOG_SECTIONS) {
    const rows = await runQuery(QUERIES[section].replaceAll('$EXCLUDED', excluded));
    snapshot[section] = rows.map((row) => String(row.line)).sort();
  }
  return snapshot;
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
