/**
 * SQL that runs a statement for the owner of a table, whoever that is in this deployment (the
 * migrating user, which differs between environments). Builds SQL strings only; as immutable as
 * the migrations that use it.
 */

/** Runs `statement` (with exactly one %I, the owner's role name) for the owner of `table`. */
export function forTableOwnerSql(table: string, statement: string): string {
  return `
    DO $$
    BEGIN
      EXECUTE format('${statement.replaceAll("'", "''")}',
                     (SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                      WHERE c.oid = '${table}'::regclass));
    END
    $$`;
}
