import {
  checkedPrivileges,
  disableTenantIsolationV1,
  enableTenantIsolationV1,
} from '../../src/migrations/support/tenant-table-v1';
import { disableTenantIsolationV2, enableTenantIsolationV2 } from '../../src/migrations/support/tenant-table-v2';
import { catalogOf } from '../support/catalog';
import { columnPrivilegesOf, tablePrivilegesOf } from '../support/privileges';
import { useTestDatabase } from '../support/test-database';

/**
 * The new-table path (src/migrations/support/tenant-table-v1.ts) on a table of its own: `up`
 * gives it forced row-level security, its isolation policy and exactly the privileges asked
 * for; running `up` again changes nothing; `down` restores exactly the catalog from before.
 */
describe('tenant-table-v1: the path every new tenant table takes', () => {
  const db = useTestDatabase();
  const run = async (statements: string[]) => {
    for (const sql of statements) await db.dataSource.query(sql);
  };

  beforeAll(async () => {
    await db.dataSource.query(
      `CREATE TABLE probe_things (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), label text,
         CONSTRAINT pk_probe_things PRIMARY KEY (tenant_id, id))`,
    );
  });

  it('enables and forces RLS, creates the policy, grants exactly the privileges, and down undoes exactly that', async () => {
    const before = await catalogOf(db.dataSource);
    const privileges = 'SELECT, INSERT, UPDATE (label), DELETE';
    await run(enableTenantIsolationV1('probe_things', privileges));
    const after = await catalogOf(db.dataSource);

    const [flags] = await db.dataSource.query(
      `SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'probe_things'::regclass`,
    );
    expect(flags).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
    const policies = await db.dataSource.query(
      `SELECT policyname, cmd, roles::text[] AS roles, qual, with_check FROM pg_policies WHERE tablename = 'probe_things'`,
    );
    const key = '(tenant_id = ( SELECT current_tenant_id() AS current_tenant_id))';
    expect(policies).toEqual([
      { policyname: 'pol_probe_things_tenant_isolation', cmd: 'ALL', roles: ['public'], qual: key, with_check: key },
    ]);
    const tables = (await tablePrivilegesOf(db.dataSource, 'foundation_app')).filter((row) => row.relname === 'probe_things');
    expect(tables).toEqual([{ relname: 'probe_things', privileges: 'DELETE, INSERT, SELECT' }]);
    const columns = (await columnPrivilegesOf(db.dataSource, 'foundation_app')).filter((row) => row.relname === 'probe_things');
    expect(columns).toEqual([{ relname: 'probe_things', attname: 'label', privilege: 'UPDATE' }]);

    await run(enableTenantIsolationV1('probe_things', privileges));
    expect(await catalogOf(db.dataSource)).toEqual(after);

    await run(disableTenantIsolationV1('probe_things', privileges));
    expect(await catalogOf(db.dataSource)).toEqual(before);
  });

  it('refuses privileges that bypass row-level security or are DDL, repeated ones and an empty list', () => {
    expect(checkedPrivileges('SELECT,INSERT')).toBe('SELECT, INSERT');
    expect(checkedPrivileges('SELECT, UPDATE (name, settings)')).toBe('SELECT, UPDATE (name, settings)');
    for (const bad of ['TRUNCATE', 'SELECT, REFERENCES', 'TRIGGER', 'ALL', '']) {
      expect(() => checkedPrivileges(bad)).toThrow(/is not one of SELECT, INSERT, UPDATE, DELETE/);
    }
    expect(() => checkedPrivileges('SELECT, SELECT')).toThrow(/listed twice/);
  });

  it('refuses a table name that is not a plain identifier or too long for its policy name', () => {
    expect(() => enableTenantIsolationV1('things; DROP TABLE tenants', 'SELECT')).toThrow(/Not a plain table name/);
    expect(() => enableTenantIsolationV1('x'.repeat(43), 'SELECT')).toThrow(/at most 42 characters/);
  });

  it('v2 adds the three restrictive write guards of a read-only tenant, and its down removes exactly v2', async () => {
    await db.dataSource.query(
      `CREATE TABLE probe_notes (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), body text,
         CONSTRAINT pk_probe_notes PRIMARY KEY (tenant_id, id))`,
    );
    const before = await catalogOf(db.dataSource);
    const privileges = 'SELECT, INSERT, UPDATE, DELETE';
    await run(enableTenantIsolationV2('probe_notes', privileges));
    const after = await catalogOf(db.dataSource);
    const policies = await db.dataSource.query(
      `SELECT policyname, permissive, cmd, qual, with_check FROM pg_policies WHERE tablename = 'probe_notes' ORDER BY policyname`,
    );
    const key = '(tenant_id = ( SELECT current_tenant_id() AS current_tenant_id))';
    const guard = '( SELECT current_tenant_writable() AS current_tenant_writable)';
    expect(policies).toEqual([
      { policyname: 'pol_probe_notes_tenant_isolation', permissive: 'PERMISSIVE', cmd: 'ALL', qual: key, with_check: key },
      { policyname: 'pol_probe_notes_writable_delete', permissive: 'RESTRICTIVE', cmd: 'DELETE', qual: guard, with_check: null },
      { policyname: 'pol_probe_notes_writable_insert', permissive: 'RESTRICTIVE', cmd: 'INSERT', qual: null, with_check: guard },
      { policyname: 'pol_probe_notes_writable_update', permissive: 'RESTRICTIVE', cmd: 'UPDATE', qual: guard, with_check: null },
    ]);
    await run(enableTenantIsolationV2('probe_notes', privileges));
    expect(await catalogOf(db.dataSource)).toEqual(after);
    await run(disableTenantIsolationV2('probe_notes', privileges));
    expect(await catalogOf(db.dataSource)).toEqual(before);
    await db.dataSource.query(`DROP TABLE probe_notes`);
  });
});
