/**
 * Restrictive write policies that make a suspended, archived or soft-deleted tenant read-only,
 * version 1 (migration GuardSuspendedTenantWrites1754250082000). As immutable as the migrations
 * that call it: write a `-v2` helper for new behaviour.
 *
 * Three policies per table, AS RESTRICTIVE so they narrow whatever the permissive policies allow,
 * for every role: `pol_<table>_writable_insert` (WITH CHECK), `_update` and `_delete` (USING),
 * each `(SELECT current_tenant_writable())`, which is true or raises 25006 naming the tenant and
 * its status. SELECT is untouched, so the tenant's data stays readable.
 *
 * A tenant table created after that migration must call `tenantWriteGuardSql(table)` in its own
 * migration (the catalog test fails until it does).
 */

/**
 * Tenant tables whose writes stay open for a read-only tenant: the audit trail, which records
 * what a suspended tenant's users still read (HIPAA wants those reads recorded), and the chain
 * heads its trigger advances. The application may only append to them anyway.
 */
export const WRITE_GUARD_EXEMPT_TABLES: readonly string[] = ['user_action_audit_logs', 'user_action_audit_log_chains'];

const COMMANDS = ['insert', 'update', 'delete'] as const;

/** Policy names for one table; PostgreSQL keeps 63 bytes of a name, so longer ones are refused. */
export function writeGuardPolicyNames(table: string): string[] {
  return COMMANDS.map((command) => {
    const name = `pol_${table}_writable_${command}`;
    if (name.length > 63) throw new Error(`Policy name ${name} is longer than 63 characters`);
    return name;
  });
}

const GUARD = '(SELECT current_tenant_writable())';

/** The three guard policies of one table, replacing any of the same name (re-runs are harmless). */
export function tenantWriteGuardSql(table: string): string[] {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) throw new Error(`Not a plain table name: ${table}`);
  const [insert, update, remove] = writeGuardPolicyNames(table);
  return [
    `DROP POLICY IF EXISTS ${insert} ON ${table}`,
    `CREATE POLICY ${insert} ON ${table} AS RESTRICTIVE FOR INSERT WITH CHECK (${GUARD})`,
    `DROP POLICY IF EXISTS ${update} ON ${table}`,
    `CREATE POLICY ${update} ON ${table} AS RESTRICTIVE FOR UPDATE USING (${GUARD})`,
    `DROP POLICY IF EXISTS ${remove} ON ${table}`,
    `CREATE POLICY ${remove} ON ${table} AS RESTRICTIVE FOR DELETE USING (${GUARD})`,
  ];
}

/** `tenants` and every table with a `tenant_id` column in the current schema, minus the exempt ones (read from the catalog when it runs). */
const GUARDED_TABLES_QUERY = `
        SELECT c.relname::text AS relname FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND (c.relname = 'tenants' OR EXISTS (
                SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
          AND c.relname <> ALL (ARRAY[${WRITE_GUARD_EXEMPT_TABLES.map((t) => `'${t}'`).join(', ')}])
        ORDER BY 1`;

/**
 * One DO block that guards every tenant table present when it runs, whichever migration (or
 * stream of work) created it: the guard follows the catalog, not a list in code.
 */
export function tenantWriteGuardForAllTablesSql(): string {
  return `
    DO $$
    DECLARE
      t record;
      command text;
      policy text;
    BEGIN
      FOR t IN ${GUARDED_TABLES_QUERY}
      LOOP
        FOREACH command IN ARRAY ARRAY['insert', 'update', 'delete'] LOOP
          policy := 'pol_' || t.relname || '_writable_' || command;
          IF length(policy) > 63 THEN
            RAISE EXCEPTION 'policy name % is longer than 63 characters', policy;
          END IF;
          EXECUTE format('DROP POLICY IF EXISTS %I ON %I', policy, t.relname);
          EXECUTE format('CREATE POLICY %I ON %I AS RESTRICTIVE FOR %s %s ((SELECT current_tenant_writable()))',
                         policy, t.relname, upper(command), CASE command WHEN 'insert' THEN 'WITH CHECK' ELSE 'USING' END);
        END LOOP;
      END LOOP;
    END
    $$`;
}

/** Drops every guard policy of this shape in the current schema, on whichever table it is. */
export function dropTenantWriteGuardsSql(): string {
  return `
    DO $$
    DECLARE
      p record;
    BEGIN
      FOR p IN
        SELECT policyname, tablename FROM pg_policies
        WHERE schemaname = current_schema() AND policyname ~ '^pol_.*_writable_(insert|update|delete)$'
        ORDER BY tablename, policyname
      LOOP
        EXECUTE format('DROP POLICY IF EXISTS %I ON %I', p.policyname, p.tablename);
      END LOOP;
    END
    $$`;
}
