import {
  ColumnModel,
  ConstraintModel,
  FunctionModel,
  OWNER_ROLE,
  PolicyModel,
  SchemaModel,
  TableModel,
  TriggerModel,
  ViewModel,
} from './schema-model';

/** Runs one query with parameters and returns its rows (a DataSource's or pg client's query). */
export type Query = (sql: string, parameters?: unknown[]) => Promise<Record<string, any>[]>;

export interface ReadSchemaOptions {
  /** Tables left out entirely, such as TypeORM's own migrations table. */
  excludeTables?: string[];
}

/**
 * The role names that mean "whoever owns this schema": the connected (migrating) user, the
 * database's owner, and PostgreSQL 15's pg_database_owner. They differ between a developer's
 * machine and production, so they are all written OWNER_ROLE; any other role keeps its name.
 */
const role = (oid: string) => `(CASE
  WHEN ${oid} = 0 THEN 'PUBLIC'
  WHEN ${oid} = current_user::regrole
    OR ${oid} = (SELECT datdba FROM pg_database WHERE datname = current_database())
    OR ${oid} = 'pg_database_owner'::regrole THEN '${OWNER_ROLE}'
  ELSE ${oid}::regrole::text END)`;

const notFromExtension = (oid: string, catalog: string) => `NOT EXISTS (
  SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

/** Grants in an ACL, by grantee, leaving out the object owner's implicit ones. */
const grantsOf = (acl: string, defaultAcl: string, owner: string) => `(
  SELECT coalesce(jsonb_object_agg(grantee, privileges), '{}') FROM (
    SELECT ${role('a.grantee')} AS grantee,
           string_agg(a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END, ',' ORDER BY a.privilege_type) AS privileges
    FROM aclexplode(coalesce(${acl}, ${defaultAcl})) a
    WHERE a.grantee <> ${owner}
    GROUP BY 1) g)`;

/** Tables of ours: ordinary and partitioned, not partitions (their names carry dates). */
const TABLES = `
  SELECT c.oid, c.relname AS name, c.relkind, ${role('c.relowner')} AS owner,
         c.relrowsecurity AS rls, c.relforcerowsecurity AS force_rls,
         obj_description(c.oid, 'pg_class') AS comment,
         CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
         ${grantsOf('c.relacl', "acldefault('r', c.relowner)", 'c.relowner')} AS grants
  FROM pg_class c
  WHERE c.relnamespace = current_schema()::regnamespace
    AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    AND NOT (c.relname = ANY ($1::name[]))
    AND ${notFromExtension('c.oid', 'pg_class')}
  ORDER BY c.relname COLLATE "C"`;

const COLUMNS = `
  SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
         pg_get_expr(ad.adbin, ad.adrelid) AS default,
         CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS identity,
         CASE a.attgenerated WHEN 's' THEN 'stored' WHEN 'v' THEN 'virtual' END AS generated,
         col_description(a.attrelid, a.attnum) AS comment,
         ${grantsOf('a.attacl', 'NULL', 'c.relowner')} AS grants
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attnum`;

const CONSTRAINTS = `
  SELECT conname AS name, contype AS type,
         pg_get_constraintdef(oid) || CASE WHEN convalidated THEN '' ELSE ' NOT VALID' END AS definition
  FROM pg_constraint WHERE conrelid = $1 AND contype <> 'n'
  ORDER BY conname COLLATE "C"`;

const INDEXES = `
  SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) || CASE WHEN x.indisvalid THEN '' ELSE ' INVALID' END AS definition
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
  WHERE x.indrelid = $1
  ORDER BY i.relname COLLATE "C"`;

const TRIGGERS = `
  SELECT tgname AS name, pg_get_triggerdef(oid) AS definition,
         CASE tgenabled WHEN 'O' THEN 'enabled' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' END AS enabled
  FROM pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal
  ORDER BY tgname COLLATE "C"`;

const POLICIES = `
  SELECT p.polname AS name,
         CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END AS permissive,
         CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
         ARRAY(SELECT name FROM (SELECT ${role('r')} AS name FROM unnest(p.polroles) r) n ORDER BY name COLLATE "C") AS roles,
         pg_get_expr(p.polqual, p.polrelid) AS using,
         pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
  FROM pg_policy p WHERE p.polrelid = $1
  ORDER BY p.polname COLLATE "C"`;

const VIEWS = `
  SELECT c.relname AS name, c.relkind, ${role('c.relowner')} AS owner, pg_get_viewdef(c.oid) AS definition,
         obj_description(c.oid, 'pg_class') AS comment,
         ${grantsOf('c.relacl', "acldefault('r', c.relowner)", 'c.relowner')} AS grants
  FROM pg_class c
  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('v', 'm')
    AND ${notFromExtension('c.oid', 'pg_class')}
  ORDER BY c.relname COLLATE "C"`;

const SEQUENCES = `
  SELECT c.relname AS name
  FROM pg_class c
  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'S'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
  ORDER BY c.relname COLLATE "C"`;

const FUNCTIONS = `
  SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS signature,
         ${role('p.proowner')} AS owner, p.prosecdef AS security_definer,
         pg_get_functiondef(p.oid) AS definition,
         obj_description(p.oid, 'pg_proc') AS comment,
         ${grantsOf('p.proacl', "acldefault('f', p.proowner)", 'p.proowner')} AS grants
  FROM pg_proc p
  WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p')
    AND ${notFromExtension('p.oid', 'pg_proc')}
  ORDER BY p.proname COLLATE "C", pg_get_function_identity_arguments(p.oid) COLLATE "C"`;

const TYPES = `
  SELECT t.typname AS name, t.typtype AS kind, obj_description(t.oid, 'pg_type') AS comment,
         ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels,
         format_type(t.typbasetype, t.typtypmod)
           || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
           || coalesce(' DEFAULT ' || t.typdefault, '')
           || coalesce((SELECT string_agg(' CONSTRAINT ' || conname || ' ' || pg_get_constraintdef(oid), '' ORDER BY conname COLLATE "C")
                        FROM pg_constraint WHERE contypid = t.oid), '') AS domain
  FROM pg_type t
  WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype IN ('e', 'd')
    AND ${notFromExtension('t.oid', 'pg_type')}
  ORDER BY t.typname COLLATE "C"`;

const CONSTRAINT_TYPES: Record<string, ConstraintModel['type']> = {
  p: 'primary key',
  f: 'foreign key',
  u: 'unique',
  c: 'check',
  x: 'exclusion',
  t: 'trigger',
};

const lines = (text: string) => text.replace(/\s+$/, '').split('\n').map((line) => line.replace(/\s+$/, ''));

/**
 * Reads the schema of the connected database's current schema (normally `public`).
 * Partitions of a partitioned table are left out: their names carry dates (monthly audit-log
 * partitions), so they would differ between any two databases created in different months;
 * the partitioned parent, its key, its indexes and its policies are compared instead.
 */
export async function readSchema(query: Query, options: ReadSchemaOptions = {}): Promise<SchemaModel> {
  const excluded = options.excludeTables ?? [];
  const model: SchemaModel = {
    extensions: (await query(`SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname COLLATE "C"`)).map(
      (row) => row.extname,
    ),
    schemaGrants: (await query(`SELECT ${grantsOf('n.nspacl', "acldefault('n', n.nspowner)", 'n.nspowner')} AS grants
      FROM pg_namespace n WHERE n.oid = current_schema()::regnamespace`))[0]?.grants ?? {},
    enums: {},
    domains: {},
    tables: {},
    views: {},
    sequences: (await query(SEQUENCES)).map((row) => row.name),
    functions: {},
    comments: {},
  };

  for (const type of await query(TYPES)) {
    if (type.kind === 'e') model.enums[type.name] = type.labels;
    else model.domains[type.name] = type.domain;
    if (type.comment !== null) model.comments[`type ${type.name}`] = type.comment;
  }

  for (const table of await query(TABLES, [excluded])) {
    model.tables[table.name] = await readTable(query, table);
  }

  for (const view of await query(VIEWS)) {
    model.views[view.name] = {
      kind: view.relkind === 'm' ? 'materialized view' : 'view',
      owner: view.owner,
      definition: lines(view.definition),
      comment: view.comment,
      grants: view.grants,
    } satisfies ViewModel;
  }

  for (const fn of await query(FUNCTIONS)) {
    model.functions[fn.signature] = {
      owner: fn.owner,
      securityDefiner: fn.security_definer,
      definition: lines(fn.definition),
      grants: fn.grants,
    } satisfies FunctionModel;
    if (fn.comment !== null) model.comments[`function ${fn.signature}`] = fn.comment;
  }
  return model;
}

async function readTable(query: Query, table: Record<string, any>): Promise<TableModel> {
  const model: TableModel = {
    kind: table.relkind === 'p' ? 'partitioned table' : 'table',
    partitionKey: table.partition_key,
    owner: table.owner,
    rowLevelSecurity: table.rls,
    forceRowLevelSecurity: table.force_rls,
    comment: table.comment,
    columns: [],
    constraints: {},
    indexes: {},
    triggers: {},
    policies: {},
    grants: table.grants,
    columnGrants: {},
  };
  for (const column of await query(COLUMNS, [table.oid])) {
    const { grants, ...rest } = column;
    model.columns.push(rest as ColumnModel);
    for (const [grantee, privileges] of Object.entries(grants as Record<string, string>)) {
      model.columnGrants[`${column.name} ${grantee}`] = privileges;
    }
  }
  for (const row of await query(CONSTRAINTS, [table.oid])) {
    model.constraints[row.name] = { type: CONSTRAINT_TYPES[row.type] ?? 'other', definition: row.definition };
  }
  for (const row of await query(INDEXES, [table.oid])) model.indexes[row.name] = row.definition;
  for (const row of await query(TRIGGERS, [table.oid])) {
    model.triggers[row.name] = { definition: row.definition, enabled: row.enabled } satisfies TriggerModel;
  }
  for (const row of await query(POLICIES, [table.oid])) {
    model.policies[row.name] = {
      permissive: row.permissive,
      command: row.command,
      roles: row.roles,
      using: row.using,
      withCheck: row.with_check,
    } satisfies PolicyModel;
  }
  return model;
}
