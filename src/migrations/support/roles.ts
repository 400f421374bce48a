/**
 * SQL for the cluster-wide roles the migrations rely on. Roles belong to the whole PostgreSQL
 * cluster, not to one database: several databases (production and its staging copy, every test
 * database) share them. So a role is created only when missing, and dropped only when no other
 * database still depends on it.
 *
 * These helpers only build SQL strings: migrations must not import application code, and this
 * folder sits outside the migrations glob (`src/migrations/*.ts`), so it is never run as one.
 *
 * They are as immutable as the migrations that call them: a changed helper changes the SQL,
 * and so the recorded checksum, of every landed migration using it (`migration:run` would then
 * refuse to deploy). Write a new helper for new behaviour instead of editing one.
 */

/** Role names are spliced into SQL, so only plain lower-case identifiers are accepted. */
function checkedRoleName(role: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new Error(`Not a plain role name: ${role}`);
  return role;
}

/**
 * Creates a NOLOGIN role with no special attributes, unless it exists. An existing role that is
 * a superuser, may bypass row-level security or may log in directly is refused: every grant and
 * policy in this schema assumes it is none of those. `duplicate_object` is caught because two
 * databases migrating at the same moment may both see the role missing.
 */
export function createRoleSql(role: string): string {
  const name = checkedRoleName(role);
  return `
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${name}') THEN
        BEGIN
          CREATE ROLE ${name} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT;
        EXCEPTION WHEN duplicate_object THEN
          NULL;
        END;
      END IF;
      IF EXISTS (
        SELECT 1 FROM pg_roles
        WHERE rolname = '${name}' AND (rolsuper OR rolbypassrls OR rolcanlogin OR rolcreaterole OR rolcreatedb OR rolreplication)
      ) THEN
        RAISE EXCEPTION 'role ${name} exists with attributes this schema forbids (superuser, bypassrls, login, createrole, createdb or replication)';
      END IF;
    END
    $$`;
}

/**
 * Drops the role, but only when nothing else in the cluster still uses it: no object or
 * privilege in another database (pg_shdepend) and no member role (a deployment's login user,
 * granted it by an administrator). Otherwise the role stays, and only this database's grants
 * are gone, which `down` revoked before calling this.
 */
export function dropRoleIfUnusedSql(role: string): string {
  const name = checkedRoleName(role);
  return `
    DO $$
    DECLARE
      role_oid oid := (SELECT oid FROM pg_roles WHERE rolname = '${name}');
    BEGIN
      IF role_oid IS NULL THEN
        RETURN;
      END IF;
      IF EXISTS (
        SELECT 1 FROM pg_shdepend d
        WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = role_oid
          AND d.dbid <> (SELECT oid FROM pg_database WHERE datname = current_database())
      ) OR EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = role_oid) THEN
        RETURN;
      END IF;
      DROP ROLE ${name};
    END
    $$`;
}

/**
 * Makes `role` the owner of a function. PostgreSQL lets a non-superuser do that only if it can
 * SET ROLE to the new owner and that role may CREATE in the function's schema; the migrator gets
 * both for this step (membership stays, so it can manage the function later; CREATE is revoked
 * again at once). A superuser needs neither, and the grants are harmless for one.
 */
export function transferFunctionOwnershipSql(signature: string, role: string): string {
  const name = checkedRoleName(role);
  return `
    DO $$
    BEGIN
      IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
         AND NOT pg_has_role(current_user, '${name}', 'MEMBER') THEN
        EXECUTE format('GRANT ${name} TO %I', current_user);
      END IF;
      GRANT CREATE ON SCHEMA public TO ${name};
      ALTER FUNCTION ${signature} OWNER TO ${name};
      REVOKE CREATE ON SCHEMA public FROM ${name};
    END
    $$`;
}
