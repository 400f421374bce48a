import { DataSource } from 'typeorm';
import { runSeed } from '../../src/seed/run-seed';
import { runProjectCli } from '../support/cli';
import { fingerprint } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

/** Row count and content hash of every table of ours: equal maps mean nothing changed. */
async function fingerprints(dataSource: DataSource): Promise<Record<string, string>> {
  const tables: { name: string }[] = await dataSource.query(
    `SELECT c.relname AS name FROM pg_class c
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND c.relname <> 'schema_migrations' ORDER BY 1`,
  );
  const result: Record<string, string> = {};
  for (const { name } of tables) result[name] = await fingerprint(dataSource, name);
  return result;
}

const column = async (dataSource: DataSource, sql: string) => (await dataSource.query(sql)).map((row: { v: string }) => row.v);

describe('db:seed', () => {
  const db = useTestDatabase('migrated');

  it('refuses NODE_ENV=production with its reason and a non-zero exit, writing nothing', async () => {
    const before = await fingerprints(db.dataSource);
    const result = await runProjectCli('db-seed', [], { NODE_ENV: 'production', DATABASE_URL: db.settings.url });
    expect(result.code).toBe(8);
    expect(result.stderr).toContain('db:seed refuses to run with NODE_ENV=production');
    expect(result.stderr).toContain('real (protected health) data');
    expect(await fingerprints(db.dataSource)).toEqual(before);
  });

  it('seeds two tenants with facilities, users of every role, clients in every status and staff assignments', async () => {
    const result = await runProjectCli('db-seed', [], { DATABASE_URL: db.settings.url });
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('tenants: 2 row(s) added');

    const ds = db.dataSource;
    expect(await column(ds, `SELECT slug AS v FROM tenants ORDER BY 1`)).toEqual(['acme-care', 'birch-homes']);
    for (const tenant of await column(ds, `SELECT id AS v FROM tenants`)) {
      const perTenant = (sql: string) => column(ds, sql.replace('$T', `'${tenant}'`));
      expect((await perTenant(`SELECT id AS v FROM facilities WHERE tenant_id = $T`)).length).toBeGreaterThanOrEqual(2);
      expect(await perTenant(`SELECT DISTINCT role::text AS v FROM users WHERE tenant_id = $T ORDER BY 1`)).toEqual(['facility_manager', 'platform_admin', 'staff', 'tenant_admin', 'viewer']);
      expect(await perTenant(`SELECT DISTINCT status::text AS v FROM clients WHERE tenant_id = $T ORDER BY 1`)).toEqual(['admitted', 'declined', 'discharged', 'referred', 'waitlisted']);
      expect((await perTenant(`SELECT id AS v FROM facility_staff WHERE tenant_id = $T AND ended_on IS NULL`)).length).toBeGreaterThanOrEqual(2);
      // The clinical core: placement records in several states, medications, an address of every owner kind, field provenance.
      expect(await perTenant(`SELECT DISTINCT status::text AS v FROM placement_records WHERE tenant_id = $T ORDER BY 1`)).toEqual(['ended', 'placed', 'referred']);
      expect((await perTenant(`SELECT id AS v FROM medications WHERE tenant_id = $T`)).length).toBeGreaterThanOrEqual(3);
      expect(
        await perTenant(
          `SELECT DISTINCT CASE WHEN facility_id IS NOT NULL THEN 'facility' WHEN client_id IS NOT NULL THEN 'client' ELSE 'specialist' END AS v
           FROM addresses WHERE tenant_id = $T ORDER BY 1`,
        ),
      ).toEqual(['client', 'facility', 'specialist']);
      expect((await perTenant(`SELECT id AS v FROM form_field_contributors WHERE tenant_id = $T`)).length).toBeGreaterThanOrEqual(3);
      expect(await perTenant(`SELECT state::text AS v FROM phi_data_keys WHERE subject_tenant_id = $T`)).toEqual(['active']);
    }
  });

  it('is idempotent and deterministic: a second run adds nothing and changes no row', async () => {
    const before = await fingerprints(db.dataSource);
    const report = await runSeed(db.dataSource, {});
    expect(Object.values(report.inserted).every((count) => count === 0)).toBe(true);
    expect(Object.keys(report.inserted)).toEqual(
      expect.arrayContaining(['tenants', 'users', 'facilities', 'clients', 'facility_staff', 'specialists', 'placement_records', 'medications', 'addresses']),
    );
    expect(await fingerprints(db.dataSource)).toEqual(before);
  });

  it('seeds identity providers, mappings and audit events', async () => {
    const report = await runSeed(db.dataSource, {});
    expect(Object.keys(report.inserted)).toEqual(expect.arrayContaining(['ciam_systems', 'user_ciam_mappings', 'user_action_audit_logs']));
  });
});
