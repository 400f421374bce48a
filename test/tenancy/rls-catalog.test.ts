import { APPLICATION_ROLE, APPLICATION_TABLE_PRIVILEGES } from '../../src/migrations/1754250030000-CreateApplicationRole';
import { TENANT_SCOPED_TABLES } from '../../src/migrations/1754250031000-EnableTenantIsolation';
import { WRITE_GUARD_EXEMPT_TABLES } from '../../src/migrations/support/tenant-write-guard-v1';
import { tenantScopedPartitions, tenantScopedTables } from '../support/tenant-tables';
import { useTestDatabase } from '../support/test-database';
import { columnPrivilegesOf, tablePrivilegesOf } from '../support/privileges';

/**
 * Read from the catalog: every table with a tenant_id column (and `tenants`) is under forced
 * row-level security with a policy keyed on current_tenant_id() for reads and writes. A table
 * added later without them fails here.
 */
describe('row-level security covers every tenant-scoped table', () => {
  const db = useTestDatabase();

  it('the list in EnableTenantIsolation is exactly the tables that have tenant_id', async () => {
    expect([...TENANT_SCOPED_TABLES].sort()).toEqual(await tenantScopedTables(db.dataSource));
  });

  it('every tenant-scoped table, and tenants, has row-level security enabled and forced', async () => {
    const tables = ['tenants', ...(await tenantScopedTables(db.dataSource))];
    const rows: { relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }[] = await db.dataSource.query(
      `SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
       WHERE relnamespace = current_schema()::regnamespace AND relname = ANY ($1) ORDER BY relname`,
      [tables],
    );
    expect(rows).toEqual(
      tables.sort().map((relname) => ({ relname, relrowsecurity: true, relforcerowsecurity: true })),
    );
  });

  it('each has a policy for all commands and all roles that checks the tenant on read (USING) and write (WITH CHECK)', async () => {
    const expected: Record<string, string> = { tenants: 'id' };
    for (const table of await tenantScopedTables(db.dataSource)) expected[table] = 'tenant_id';
    for (const [table, column] of Object.entries(expected)) {
      const policies: { policyname: string; qual: string; with_check: string }[] = await db.dataSource.query(
        `SELECT policyname, qual, with_check FROM pg_policies
         WHERE schemaname = current_schema() AND tablename = $1 AND cmd = 'ALL' AND permissive = 'PERMISSIVE'
           AND roles = '{public}'`,
        [table],
      );
      const key = `(${column} = ( SELECT current_tenant_id() AS current_tenant_id))`;
      expect({ table, policies: policies.map(({ qual, with_check }) => ({ qual, with_check })) }).toEqual({
        table,
        policies: [{ qual: key, with_check: key }],
      });
    }
  });

  it('no other permissive policy applies to the application role or to everyone', async () => {
    const rows: { tablename: string; policyname: string }[] = await db.dataSource.query(
      `SELECT tablename, policyname FROM pg_policies
       WHERE schemaname = current_schema() AND permissive = 'PERMISSIVE'
         AND (roles && ARRAY['public', $1]::name[])
         AND policyname NOT LIKE 'pol\\_%\\_tenant\\_isolation' AND policyname <> 'pol_tenants_own_row'`,
      [APPLICATION_ROLE],
    );
    expect(rows).toEqual([]);
  });

  it('every tenant table but the audit trail, and tenants, has the three restrictive write guards, and only those', async () => {
    const guarded = ['tenants', ...(await tenantScopedTables(db.dataSource))].filter((t) => !WRITE_GUARD_EXEMPT_TABLES.includes(t)).sort();
    expect(guarded.length).toBeGreaterThan(5);
    const rows: { tablename: string; policyname: string; cmd: string; roles: string[]; qual: string | null; with_check: string | null }[] =
      await db.dataSource.query(
        `SELECT tablename, policyname, cmd, roles::text[] AS roles, qual, with_check FROM pg_policies
         WHERE schemaname = current_schema() AND permissive = 'RESTRICTIVE' ORDER BY tablename, cmd`,
      );
    const guard = '( SELECT current_tenant_writable() AS current_tenant_writable)';
    expect(rows).toEqual(
      guarded.flatMap((table) =>
        [
          { cmd: 'DELETE', qual: guard, with_check: null },
          { cmd: 'INSERT', qual: null, with_check: guard },
          { cmd: 'UPDATE', qual: guard, with_check: null },
        ].map((policy) => ({ tablename: table, policyname: `pol_${table}_writable_${policy.cmd.toLowerCase()}`, roles: ['public'], ...policy })),
      ),
    );
  });

  it('the application role is not a superuser, cannot bypass RLS, cannot log in, and owns nothing', async () => {
    const [role] = await db.dataSource.query(
      `SELECT rolsuper, rolbypassrls, rolcanlogin, rolcreaterole, rolcreatedb,
              (SELECT count(*)::int FROM pg_shdepend d WHERE d.refobjid = r.oid AND d.deptype = 'o') AS owned
       FROM pg_roles r WHERE rolname = $1`,
      [APPLICATION_ROLE],
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false, rolcreaterole: false, rolcreatedb: false, owned: 0 });
  });

  it('the application role has exactly its listed privileges: no TRUNCATE, REFERENCES, TRIGGER or DDL', async () => {
    const rows = await tablePrivilegesOf(db.dataSource, APPLICATION_ROLE);
    // Written out rather than derived from APPLICATION_TABLE_PRIVILEGES, so a grant that is too
    // broad in the migration's list fails here instead of being expected.
    const readWrite = 'DELETE, INSERT, SELECT, UPDATE';
    expect(rows).toEqual([
      { relname: 'ciam_group_role_mappings', privileges: readWrite },
      { relname: 'ciam_systems', privileges: readWrite },
      { relname: 'clients', privileges: readWrite },
      { relname: 'facilities', privileges: readWrite },
      { relname: 'facility_staff', privileges: readWrite },
      { relname: 'tenants', privileges: 'SELECT' },
      { relname: 'user_action_audit_log_chains', privileges: 'SELECT' },
      { relname: 'user_action_audit_logs', privileges: 'INSERT, SELECT' },
      { relname: 'user_ciam_mappings', privileges: readWrite },
      { relname: 'users', privileges: readWrite },
    ]);
    expect(rows.map((row) => row.relname).sort()).toEqual(Object.keys(APPLICATION_TABLE_PRIVILEGES).sort());
    // Column privileges: on tenants, UPDATE of the name and settings only.
    const columns = await columnPrivilegesOf(db.dataSource, APPLICATION_ROLE);
    expect(columns).toEqual([
      { relname: 'tenants', attname: 'name', privilege: 'UPDATE' },
      { relname: 'tenants', attname: 'settings', privilege: 'UPDATE' },
    ]);
    const [schema] = await db.dataSource.query(
      `SELECT has_schema_privilege($1, current_schema(), 'CREATE') AS app_create,
              has_schema_privilege('public', current_schema(), 'CREATE') AS public_create`,
      [APPLICATION_ROLE],
    );
    expect(schema).toEqual({ app_create: false, public_create: false });
  });

  it('partitions of tenant-scoped tables grant the application role nothing (it goes through the parent)', async () => {
    for (const partition of await tenantScopedPartitions(db.dataSource)) {
      const [row] = await db.dataSource.query(
        `SELECT has_table_privilege($1, $2::regclass, 'SELECT, INSERT, UPDATE, DELETE') AS any`,
        [APPLICATION_ROLE, partition],
      );
      expect({ partition, any: row.any }).toEqual({ partition, any: false });
    }
  });
});
