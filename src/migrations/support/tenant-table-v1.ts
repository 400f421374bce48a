/**
 * Version 1 of the path every new tenant table takes: the SQL its own migration runs to put the
 * table under tenant isolation, and the SQL its `down` runs to take exactly that away again.
 *
 * FROZEN once a migration that calls it has landed on main. The statements built here are part
 * of the checksum deploys record for every migration using them (`migration:run` would refuse
 * to deploy after an edit), and a database migrated earlier never runs them again anyway. New
 * behaviour (another policy shape, another role) goes into `tenant-table-v2.ts`, used by new
 * migrations; the migrations that called v1 keep calling v1.
 *
 * Like `roles.ts`, this file only builds SQL strings: migrations must not import application
 * code, and this folder sits outside the migrations glob, so it is never run as a migration.
 *
 * What v1 does for table `t` (see src/migrations/README.md for the whole checklist):
 * - `ALTER TABLE t ENABLE ROW LEVEL SECURITY` and `FORCE ROW LEVEL SECURITY` (the owner is bound
 *   too; only superusers and BYPASSRLS roles skip it);
 * - the one policy `pol_t_tenant_isolation`, FOR ALL, for every role, reading and writing only
 *   rows with `tenant_id = (SELECT current_tenant_id())` (evaluated once per query; NULL, so no
 *   row, when no tenant is set);
 * - `GRANT <privileges> ON t TO foundation_app`, exactly the privileges the caller names, from
 *   SELECT, INSERT, UPDATE and DELETE (with optional column lists). TRUNCATE and REFERENCES
 *   ignore row-level security and TRIGGER is DDL, so they are refused here.
 */

/** The application role of CreateApplicationRole1754250030000; it must exist before the call. */
const APPLICATION_ROLE = 'foundation_app';

/** The policy's tenant key, exactly as EnableTenantIsolation1754250031000 wrote it. */
const CURRENT_TENANT = '(SELECT current_tenant_id())';

/** Privileges the application role may be given on a tenant table. */
const ALLOWED_PRIVILEGES = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);

/** Table names are spliced into SQL (and into the policy's name), so only plain identifiers. */
function checkedTableName(table: string): string {
  // pol_<table>_tenant_isolation must fit in 63 bytes: 4 + table + 17.
  if (!/^[a-z_][a-z0-9_]{0,41}$/.test(table)) {
    throw new Error(`Not a plain table name of at most 42 characters: ${table}`);
  }
  return table;
}

/**
 * `SELECT, INSERT, UPDATE (a, b), DELETE` → the same text, after checking that every privilege
 * is one of SELECT, INSERT, UPDATE, DELETE (column lists of plain names allowed) and that none
 * repeats. An empty list is refused: a tenant table the application cannot touch at all is a
 * mistake, or belongs to a role of its own.
 */
export function checkedPrivileges(privileges: string): string {
  const items = privileges.split(/,(?![^(]*\))/).map((item) => item.trim());
  const seen = new Set<string>();
  for (const item of items) {
    const match = /^([A-Z]+)(\s*\(\s*[a-z_][a-z0-9_]*(\s*,\s*[a-z_][a-z0-9_]*)*\s*\))?$/.exec(item);
    if (!match || !ALLOWED_PRIVILEGES.has(match[1]!)) {
      throw new Error(
        `Privilege ${JSON.stringify(item)} is not one of SELECT, INSERT, UPDATE, DELETE (TRUNCATE and REFERENCES bypass row-level security)`,
      );
    }
    if (seen.has(match[1]!)) throw new Error(`Privilege ${match[1]} is listed twice in ${JSON.stringify(privileges)}`);
    seen.add(match[1]!);
  }
  return items.join(', ');
}

/** The policy a tenant table gets: `pol_<table>_tenant_isolation`. */
export function tenantIsolationPolicyName(table: string): string {
  return `pol_${checkedTableName(table)}_tenant_isolation`;
}

/**
 * Statements for the new table's `up`, after its CREATE TABLE: row-level security enabled and
 * forced, the isolation policy (dropped first when present, so running `up` again is harmless),
 * and the application role's privileges.
 *
 * Locks: ALTER TABLE ... ROW LEVEL SECURITY and CREATE POLICY take an ACCESS EXCLUSIVE lock on
 * the table, which is new and empty in its own migration, so nobody waits.
 */
export function enableTenantIsolationV1(table: string, privileges: string): string[] {
  const name = checkedTableName(table);
  const policy = tenantIsolationPolicyName(name);
  return [
    `ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${name} FORCE ROW LEVEL SECURITY`,
    `DROP POLICY IF EXISTS ${policy} ON ${name}`,
    `CREATE POLICY ${policy} ON ${name} FOR ALL
        USING (tenant_id = ${CURRENT_TENANT})
        WITH CHECK (tenant_id = ${CURRENT_TENANT})`,
    `GRANT ${checkedPrivileges(privileges)} ON ${name} TO ${APPLICATION_ROLE}`,
  ];
}

/**
 * Statements for the table's `down`, before its DROP TABLE: exactly the reverse of
 * `enableTenantIsolationV1(table, privileges)`. The grants are revoked by name (not REVOKE ALL),
 * so a privilege another migration granted later is not this helper's to take away.
 */
export function disableTenantIsolationV1(table: string, privileges: string): string[] {
  const name = checkedTableName(table);
  const policy = tenantIsolationPolicyName(name);
  return [
    `REVOKE ${checkedPrivileges(privileges)} ON ${name} FROM ${APPLICATION_ROLE}`,
    `DROP POLICY IF EXISTS ${policy} ON ${name}`,
    `ALTER TABLE ${name} NO FORCE ROW LEVEL SECURITY`,
    `ALTER TABLE ${name} DISABLE ROW LEVEL SECURITY`,
  ];
}
