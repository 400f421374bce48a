/**
 * The project's one catalog reader. `readSchema` describes the schema the migrations build:
 * what `schema:check` compares, `schema:snapshot` commits and `docs:schema` documents.
 * `readCatalog` adds what whole-catalog comparisons also need (partitions, every sequence,
 * event triggers, the project's roles, per-database role settings, database grants): the
 * tests that prove each migration's `down` restores the catalog, and plan-versus-run.
 *
 * One query per kind of object over all tables at once (not one per table), so a full read
 * costs about twenty round trips whatever the number of tables.
 */
import {
  CatalogModel,
  ColumnModel,
  ConstraintModel,
  FunctionModel,
  OWNER_ROLE,
  PartitionModel,
  PolicyModel,
  ROLE_PREFIX,
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

/**
 * Tables of ours ($2 false) or their partitions ($2 true): ordinary and partitioned tables.
 * Partitions are left out of the schema model: their names carry dates (monthly audit-log
 * partitions), so they would differ between any two databases created in different months.
 */
const TABLES = `
  SELECT c.oid, c.relname AS name, c.relkind, ${role('c.relowner')} AS owner,
         c.relrowsecurity AS rls, c.relforcerowsecurity AS force_rls,
         obj_description(c.oid, 'pg_class') AS comment,
         CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
         ${grantsOf('c.relacl', "acldefault('r', c.relowner)", 'c.relowner')} AS grants,
         (SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid) AS parent,
         pg_get_expr(c.relpartbound, c.oid) AS bound
  FROM pg_class c
  WHERE c.relnamespace = current_schema()::regnamespace
    AND c.relkind IN ('r', 'p') AND c.relispartition = $2
    AND NOT (c.relname = ANY ($1::name[]))
    AND NOT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                    WHERE i.inhrelid = c.oid AND p.relname = ANY ($1::name[]))
    AND ${notFromExtension('c.oid', 'pg_class')}
  ORDER BY c.relname COLLATE "C"`;

// The per-table queries below take the tables' oids ($1) and return `rel`, the table's oid.
const COLUMNS = `
  SELECT a.attrelid AS rel, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
         pg_get_expr(ad.adbin, ad.adrelid) AS default,
         CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS identity,
         CASE a.attgenerated WHEN 's' THEN 'stored' WHEN 'v' THEN 'virtual' END AS generated,
         col_description(a.attrelid, a.attnum) AS comment,
         ${grantsOf('a.attacl', 'NULL', 'c.relowner')} AS grants
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  WHERE a.attrelid = ANY ($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attrelid, a.attnum`;

const CONSTRAINTS = `
  SELECT conrelid AS rel, conname AS name, contype AS type,
         pg_get_constraintdef(oid) || CASE WHEN convalidated THEN '' ELSE ' NOT VALID' END AS definition
  FROM pg_constraint WHERE conrelid = ANY ($1::oid[]) AND contype <> 'n'
  ORDER BY conrelid, conname COLLATE "C"`;

const INDEXES = `
  SELECT x.indrelid AS rel, i.relname AS name, pg_get_indexdef(x.indexrelid) || CASE WHEN x.indisvalid THEN '' ELSE ' INVALID' END AS definition
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
  WHERE x.indrelid = ANY ($1::oid[])
  ORDER BY x.indrelid, i.relname COLLATE "C"`;

const TRIGGERS = `
  SELECT tgrelid AS rel, tgname AS name, pg_get_triggerdef(oid) AS definition,
         CASE tgenabled WHEN 'O' THEN 'enabled' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' END AS enabled
  FROM pg_trigger WHERE tgrelid = ANY ($1::oid[]) AND NOT tgisinternal
  ORDER BY tgrelid, tgname COLLATE "C"`;

const POLICIES = `
  SELECT p.polrelid AS rel, p.polname AS name,
         CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END AS permissive,
         CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
         ARRAY(SELECT name FROM (SELECT ${role('r')} AS name FROM unnest(p.polroles) r) n ORDER BY name COLLATE "C") AS roles,
         pg_get_expr(p.polqual, p.polrelid) AS using,
         pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
  FROM pg_policy p WHERE p.polrelid = ANY ($1::oid[])
  ORDER BY p.polrelid, p.polname COLLATE "C"`;

const VIEWS = `
  SELECT c.relname AS name, c.relkind, ${role('c.relowner')} AS owner, pg_get_viewdef(c.oid) AS definition,
         obj_description(c.oid, 'pg_class') AS comment,
         ${grantsOf('c.relacl', "acldefault('r', c.relowner)", 'c.relowner')} AS grants
  FROM pg_class c
  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('v', 'm')
    AND ${notFromExtension('c.oid', 'pg_class')}
  ORDER BY c.relname COLLATE "C"`;

/** Every sequence but those of excluded tables ($1); `owned_by` is the column that owns it (serial, identity), if any. */
const SEQUENCES = `
  SELECT c.relname AS name, ${role('c.relowner')} AS owner,
         ${grantsOf('c.relacl', "acldefault('s', c.relowner)", 'c.relowner')} AS grants,
         (SELECT t.relname || '.' || a.attname FROM pg_depend d
            JOIN pg_class t ON t.oid = d.refobjid
            JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')) AS owned_by
  FROM pg_class c
  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'S'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')
                      AND t.relname = ANY ($1::name[]))
    AND ${notFromExtension('c.oid', 'pg_class')}
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

const EVENT_TRIGGERS = `
  SELECT e.evtname AS name,
         'on ' || e.evtevent || ' execute ' || e.evtfoid::regprocedure::text || ' owner ' || ${role('e.evtowner')}
           || ' enabled=' || e.evtenabled::text || coalesce(' tags=' || array_to_string(e.evttags, ','), '') AS line
  FROM pg_event_trigger e
  WHERE ${notFromExtension('e.oid', 'pg_event_trigger')}
  ORDER BY e.evtname COLLATE "C"`;

/**
 * The project's roles. Members are listed only among the project's roles and the owner: test
 * and deployment logins are granted these roles all the time, by other sessions too.
 */
const ROLES = `
  SELECT r.rolname AS name,
         concat_ws(' ',
           CASE WHEN r.rolcanlogin THEN 'LOGIN' ELSE 'NOLOGIN' END,
           CASE WHEN r.rolsuper THEN 'SUPERUSER' ELSE 'NOSUPERUSER' END,
           CASE WHEN r.rolcreatedb THEN 'CREATEDB' ELSE 'NOCREATEDB' END,
           CASE WHEN r.rolcreaterole THEN 'CREATEROLE' ELSE 'NOCREATEROLE' END,
           CASE WHEN r.rolreplication THEN 'REPLICATION' ELSE 'NOREPLICATION' END,
           CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END,
           CASE WHEN r.rolinherit THEN 'INHERIT' ELSE 'NOINHERIT' END,
           CASE WHEN r.rolconnlimit <> -1 THEN 'CONNECTION LIMIT ' || r.rolconnlimit END,
           CASE WHEN r.rolvaliduntil IS NOT NULL THEN 'VALID UNTIL ' || r.rolvaliduntil END) AS attributes,
         ARRAY(SELECT DISTINCT ${role('m.roleid')} || CASE WHEN m.admin_option THEN '*' ELSE '' END FROM pg_auth_members m
               WHERE m.member = r.oid ORDER BY 1) AS member_of,
         ARRAY(SELECT DISTINCT ${role('m.member')} || CASE WHEN m.admin_option THEN '*' ELSE '' END FROM pg_auth_members m
               WHERE m.roleid = r.oid
                 AND (starts_with(m.member::regrole::text, $1) OR ${role('m.member')} = '${OWNER_ROLE}')
               ORDER BY 1) AS members
  FROM pg_roles r
  WHERE starts_with(r.rolname, $1)
  ORDER BY r.rolname COLLATE "C"`;

const ROLE_SETTINGS = `
  SELECT CASE WHEN s.setrole = 0 THEN '(all)' ELSE ${role('s.setrole')} END AS name,
         ARRAY(SELECT unnest(s.setconfig) ORDER BY 1) AS settings
  FROM pg_db_role_setting s
  WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
  ORDER BY 1`;

const DATABASE_GRANTS = `
  SELECT ${grantsOf('d.datacl', "acldefault('d', d.datdba)", 'd.datdba')} AS grants
  FROM pg_database d WHERE d.datname = current_database()`;

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
 * Reads the schema of the connected database's current schema (normally `public`). Partitions
 * of a partitioned table are left out (see TABLES); the partitioned parent, its key, its indexes
 * and its policies are compared instead.
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
    sequences: (await query(SEQUENCES, [excluded])).filter((row) => row.owned_by === null).map((row) => row.name),
    functions: {},
    comments: {},
  };

  for (const type of await query(TYPES)) {
    if (type.kind === 'e') model.enums[type.name] = type.labels;
    else model.domains[type.name] = type.domain;
    if (type.comment !== null) model.comments[`type ${type.name}`] = type.comment;
  }

  const tables = await query(TABLES, [excluded, false]);
  const described = await describeTables(query, tables);
  for (const table of tables) model.tables[table.name] = described.get(table.oid)!;

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

/**
 * The schema model and its extras (CatalogModel): everything a migration can change that a
 * `down` must restore. Function owners and grants, schema privileges and the roles'
 * attributes and memberships are in it, so a `down` that forgets one of them is caught.
 */
export async function readCatalog(query: Query, options: ReadSchemaOptions = {}): Promise<CatalogModel> {
  const schema = await readSchema(query, options);
  const partitions: Record<string, PartitionModel> = {};
  const partitionRows = await query(TABLES, [options.excludeTables ?? [], true]);
  const described = await describeTables(query, partitionRows);
  for (const row of partitionRows) partitions[row.name] = { ...described.get(row.oid)!, parent: row.parent, bound: row.bound };

  const byName = <T>(rows: Record<string, any>[], value: (row: Record<string, any>) => T): Record<string, T> =>
    Object.fromEntries(rows.map((row) => [row.name as string, value(row)]));
  return {
    ...schema,
    extras: {
      partitions,
      sequences: byName(await query(SEQUENCES, [options.excludeTables ?? []]), (row) => ({ owner: row.owner, ownedBy: row.owned_by, grants: row.grants })),
      eventTriggers: byName(await query(EVENT_TRIGGERS), (row) => row.line as string),
      roles: byName(await query(ROLES, [ROLE_PREFIX]), (row) => ({ attributes: row.attributes, memberOf: row.member_of, members: row.members })),
      roleSettings: byName(await query(ROLE_SETTINGS), (row) => row.settings as string[]),
      databaseGrants: (await query(DATABASE_GRANTS))[0]?.grants ?? {},
    },
  };
}

/** The TableModel of each table row (by oid), five queries for all of them. */
async function describeTables(query: Query, tables: Record<string, any>[]): Promise<Map<number, TableModel>> {
  const models = new Map<number, TableModel>();
  for (const table of tables) {
    models.set(table.oid, {
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
    });
  }
  if (tables.length === 0) return models;
  const oids = [tables.map((table) => table.oid)];
  const of = (row: Record<string, any>) => models.get(row.rel)!;

  for (const { rel, grants, ...column } of await query(COLUMNS, oids)) {
    const model = models.get(rel)!;
    model.columns.push(column as ColumnModel);
    for (const [grantee, privileges] of Object.entries(grants as Record<string, string>)) {
      model.columnGrants[`${column.name} ${grantee}`] = privileges;
    }
  }
  for (const row of await query(CONSTRAINTS, oids)) {
    of(row).constraints[row.name] = { type: CONSTRAINT_TYPES[row.type] ?? 'other', definition: row.definition };
  }
  for (const row of await query(INDEXES, oids)) of(row).indexes[row.name] = row.definition;
  for (const row of await query(TRIGGERS, oids)) {
    of(row).triggers[row.name] = { definition: row.definition, enabled: row.enabled } satisfies TriggerModel;
  }
  for (const row of await query(POLICIES, oids)) {
    of(row).policies[row.name] = {
      permissive: row.permissive,
      command: row.command,
      roles: row.roles,
      using: row.using,
      withCheck: row.with_check,
    } satisfies PolicyModel;
  }
  return models;
}
