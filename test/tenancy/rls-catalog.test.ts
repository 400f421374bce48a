import { WRITE_GUARD_EXEMPT_TABLES } from '../../src/migrations/support/tenant-write-guard-v1';
import { tenantScopedPartitions, tenantScopedTables } from '../support/tenant-tables';
import { useTestDatabase } from '../support/test-database';
import { columnPrivilegesOf, tablePrivilegesOf } from '../support/privileges';

const readWrite = 'DELETE, INSERT, SELECT, UPDATE';

/**
 * What the application role may do on each table: written out here, not read from any
 * migration or helper, so a grant that is too broad (or missing) in a migration fails this test
 * instead of being expected. A new tenant table needs a line here, and the test below fails
 * until it has one.
 */
const EXPECTED_APPLICATION_PRIVILEGES: Readonly<Record<string, string>> = {
  addresses: readWrite,
  ciam_group_role_mappings: readWrite,
  ciam_systems: readWrite,
  clients: readWrite,
  facilities: readWrite,
  facility_staff: readWrite,
  form_field_contributions: readWrite,
  form_field_contributors: readWrite,
  form_metadata: readWrite,
  medications: readWrite,
  placement_record_specialists: readWrite,
  placement_records: readWrite,
  specialists: readWrite,
  tenants: 'SELECT',
  user_action_audit_log_chains: 'SELECT',
  user_action_audit_logs: 'INSERT, SELECT',
  user_ciam_mappings: readWrite,
  users: readWrite,
};

/**
 * Read from the catalog, not from lists frozen in old migrations: every table with a tenant_id
 * column (and `tenants`) is under forced row-level security with its one policy keyed on
 * current_tenant_id() for reads and writes, whichever migration created it (EnableTenantIsolation
 * for the first tables, src/migrations/support/tenant-table-v1.ts for later ones). A table added
 * later without them fails here.
 */
describe('row-level security covers every tenant-scoped table', () => {
  const db = useTestDatabase();

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
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(10);
    for (const [table, column] of Object.entries(expected)) {
      const policies: { policyname: string; qual: string; with_check: string }[] = await db.dataSource.query(
        `SELECT policyname, qual, with_check FROM pg_policies
         WHERE schemaname = current_schema() AND tablename = $1 AND cmd = 'ALL' AND permissive = 'PERMISSIVE'
           AND roles = '{public}'`,
        [table],
      );
      const key = `(${column} = ( SELECT current_tenant_id() AS current_tenant_id))`;
      const name = table === 'tenants' ? 'pol_tenants_own_row' : `pol_${table}_tenant_isolation`;
      expect({ table, policies: policies.map(({ policyname, qual, with_check }) => ({ policyname, qual, with_check })) }).toEqual({
        table,
        policies: [{ policyname: name, qual: key, with_check: key }],
      });
    }
  });

  it('no other permissive policy applies to the application role or to everyone', async () => {
    const rows: { tablename: string; policyname: string }[] = await db.dataSource.query(
      `SELECT tablename, policyname FROM pg_policies
       WHERE schemaname = current_schema() AND permissive = 'PERMISSIVE'
         AND (roles && ARRAY['public', $1]::name[])
         AND policyname NOT LIKE 'pol\\_%\\_tenant\\_isolation' AND policyname <> 'pol_tenants_own_row'`,
      ['foundation_app'],
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
      ['foundation_app'],
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false, rolcreaterole: false, rolcreatedb: false, owned: 0 });
  });

  it('every tenant-scoped table has a line in the expected privilege map of this test', async () => {
    const missing = (await tenantScopedTables(db.dataSource)).filter((table) => !(table in EXPECTED_APPLICATION_PRIVILEGES));
    expect({ missing }).toEqual({ missing: [] });
  });

  it('the application role has exactly the expected privileges: no TRUNCATE, REFERENCES, TRIGGER or DDL', async () => {
    const rows = await tablePrivilegesOf(db.dataSource, 'foundation_app');
    expect(rows).toEqual(
      Object.entries(EXPECTED_APPLICATION_PRIVILEGES)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([relname, privileges]) => ({ relname, privileges })),
    );
    // Column privileges: on tenants, UPDATE of the name and settings only.
    const columns = await columnPrivilegesOf(db.dataSource, 'foundation_app');
    expect(columns).toEqual([
      { relname: 'tenants', attname: 'name', privilege: 'UPDATE' },
      { relname: 'tenants', attname: 'settings', privilege: 'UPDATE' },
    ]);
    const [schema] = await db.dataSource.query(
      `SELECT has_schema_privilege($1, current_schema(), 'CREATE') AS app_create,
              has_schema_privilege('public', current_schema(), 'CREATE') AS public_create`,
      ['foundation_app'],
    );
    expect(schema).toEqual({ app_create: false, public_create: false });
  });

  it('partitions of tenant-scoped tables grant the application role nothing (it goes through the parent)', async () => {
    for (const partition of await tenantScopedPartitions(db.dataSource)) {
      const [row] = await db.dataSource.query(
        `SELECT has_table_privilege($1, $2::regclass, 'SELECT, INSERT, UPDATE, DELETE') AS any`,
        ['foundation_app', partition],
      );
      expect({ partition, any: row.any }).toEqual({ partition, any: false });
    }
  });
});
