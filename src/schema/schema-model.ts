/**
 * A normalised, deterministic description of the schema that the migrations build: what
 * `schema:check` compares, `schema:snapshot` commits (schema/snapshot.json) and `docs:schema`
 * documents. Every record is keyed by object name and built in name order, so the JSON of
 * two equal schemas is byte-for-byte equal.
 *
 * Role names that differ between environments are normalised: the role that owns the objects
 * (the migrating user, or the database owner) appears as OWNER_ROLE.
 */
export const OWNER_ROLE = '<owner>';

export interface SchemaModel {
  /** Names of installed extensions (versions differ between servers and are left out). */
  extensions: string[];
  /** Privileges on the schema itself, by grantee (the owner's own are left out). */
  schemaGrants: Record<string, string>;
  /** Enum types and their labels, in declared order. */
  enums: Record<string, string[]>;
  /** Domains: base type, NOT NULL, default and CHECKs in one line. */
  domains: Record<string, string>;
  tables: Record<string, TableModel>;
  views: Record<string, ViewModel>;
  /** Sequences not owned by a column (owned ones come and go with their column). */
  sequences: string[];
  functions: Record<string, FunctionModel>;
  /** Comments on types and functions (tables and columns carry their own). */
  comments: Record<string, string>;
}

export interface TableModel {
  /** "table", or "partitioned table" (its partitions are not described: see read-schema). */
  kind: 'table' | 'partitioned table';
  partitionKey: string | null;
  owner: string;
  rowLevelSecurity: boolean;
  forceRowLevelSecurity: boolean;
  comment: string | null;
  columns: ColumnModel[];
  /** Constraint name → pg_get_constraintdef (+ " NOT VALID" while not validated). */
  constraints: Record<string, ConstraintModel>;
  /** Index name → pg_get_indexdef (+ " INVALID" for a failed concurrent build). */
  indexes: Record<string, string>;
  triggers: Record<string, TriggerModel>;
  policies: Record<string, PolicyModel>;
  /** Grantee → privileges, comma-separated ("*" marks WITH GRANT OPTION). */
  grants: Record<string, string>;
  /** "column grantee" → privileges, for column-level grants. */
  columnGrants: Record<string, string>;
}

export interface ColumnModel {
  name: string;
  type: string;
  nullable: boolean;
  default: string | null;
  /** "always"/"by default" for identity columns, "stored" for generated ones. */
  identity: string | null;
  generated: string | null;
  comment: string | null;
}

export interface ConstraintModel {
  type: 'primary key' | 'foreign key' | 'unique' | 'check' | 'exclusion' | 'trigger' | 'other';
  definition: string;
}

export interface TriggerModel {
  definition: string;
  /** "enabled", "disabled", "replica" or "always": a disabled trigger is drift. */
  enabled: string;
}

export interface PolicyModel {
  permissive: string;
  command: string;
  roles: string[];
  using: string | null;
  withCheck: string | null;
}

export interface ViewModel {
  kind: 'view' | 'materialized view';
  owner: string;
  definition: string[];
  comment: string | null;
  grants: Record<string, string>;
}

export interface FunctionModel {
  owner: string;
  securityDefiner: boolean;
  /** pg_get_functiondef, one array item per line so the snapshot diffs line by line. */
  definition: string[];
  grants: Record<string, string>;
}

/**
 * The schema model plus what a whole-catalog comparison also needs (readCatalog): the tests that
 * prove a migration's `down` restores everything its `up` changed, and that `migration:plan`
 * applied by psql equals `migration:run`. Left out of the committed snapshot and of
 * schema:check because it varies between environments that are equally correct (partition
 * names carry dates, roles are shared by the whole cluster, settings are per database).
 */
export interface CatalogModel extends SchemaModel {
  extras: CatalogExtras;
}

export interface CatalogExtras {
  /** Partitions, described as tables, with their parent and bound. */
  partitions: Record<string, PartitionModel>;
  /** Every sequence, owned by a column or not: owner, owning column and grants. */
  sequences: Record<string, SequenceModel>;
  /** Event triggers (database-wide): event, function, enabled state and tags in one line. */
  eventTriggers: Record<string, string>;
  /** The project's roles (ROLE_PREFIX): attributes and memberships. */
  roles: Record<string, RoleModel>;
  /** `ALTER ROLE ... IN DATABASE` / `ALTER DATABASE ... SET` settings of this database, by role ("(all)" for every role). */
  roleSettings: Record<string, string[]>;
  /** Privileges on the database itself (CONNECT, CREATE, TEMPORARY), by grantee. */
  databaseGrants: Record<string, string>;
}

/** Roles the migrations create are named foundation_*; test and deployment logins are not compared. */
export const ROLE_PREFIX = 'foundation_';

export interface PartitionModel extends TableModel {
  parent: string;
  bound: string;
}

export interface SequenceModel {
  owner: string;
  /** "table.column" for a sequence a column owns (serial, identity), else null. */
  ownedBy: string | null;
  grants: Record<string, string>;
}

export interface RoleModel {
  /** e.g. "NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT". */
  attributes: string;
  /** Roles it is a member of ("*" marks ADMIN OPTION). */
  memberOf: string[];
  /** Its members among the project's roles and the migrating owner (logins of tests and deployments are left out). */
  members: string[];
}
