import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { withPlatformRole, withTenant } from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { useTestDatabase } from '../support/test-database';
import { sqlstateOf } from '../support/rule-check';


/** The narrow cross-tenant path: three functions, callable by foundation_platform only. */
describe('platform operations', () => {
  const db = useTestDatabase();
  const platformLogin = useAppLogin(db, ['foundation_platform'], false);
  const appLogin = useAppLogin(db);
  let platform: DataSource;
  let app: DataSource;

  beforeAll(async () => {
    platform = await platformLogin.connect(1);
    app = await appLogin.connect(1);
  });

  it('registers, lists and changes the status of tenants across the platform', async () => {
    const [first, second] = await withPlatformRole(platform, async (operations) => [
      await operations.registerTenant('Acme Care', 'acme-care'),
      await operations.registerTenant('Birch Homes', 'birch-homes'),
    ]);
    await withPlatformRole(platform, (operations) => operations.setTenantStatus(second!, 'suspended'));
    const listed = await withPlatformRole(platform, (operations) => operations.listTenants());
    expect(listed.map(({ id, slug, status }) => ({ id, slug, status }))).toEqual([
      { id: first, slug: 'acme-care', status: 'active' },
      { id: second, slug: 'birch-homes', status: 'suspended' },
    ]);
    expect(listed[0]!.createdAt).toBeInstanceOf(Date);
    // The new tenant is usable by the application at once.
    expect(await withTenant(app, first!, (manager) => manager.query(`SELECT slug FROM tenants`))).toEqual([{ slug: 'acme-care' }]);
  });

  it('reports an unknown tenant and a rule violation as errors', async () => {
    expect(await sqlstateOf(() => withPlatformRole(platform, (o) => o.setTenantStatus(randomUUID(), 'archived')))).toBe('P0002');
    expect(await sqlstateOf(() => withPlatformRole(platform, (o) => o.registerTenant('Bad', 'Not A Slug')))).toBe('23514');
  });

  it('the platform role reaches no table directly, tenant data included', async () => {
    for (const sql of ['SELECT * FROM tenants', 'SELECT * FROM clients', `UPDATE tenants SET name = 'x'`]) {
      expect({ sql, outcome: await sqlstateOf(() => platformQuery(sql)) }).toEqual({ sql, outcome: '42501' });
    }
    const [row] = await db.dataSource.query(
      `SELECT bool_or(has_table_privilege('foundation_platform', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')) AS any
       FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v')`,
    );
    expect(row.any).toBe(false);
  });

  /** A plain query as foundation_platform: what code holding the platform login could try. */
  async function platformQuery(sql: string): Promise<unknown> {
    return platform.transaction(async (manager) => {
      await manager.query(`SET LOCAL ROLE foundation_platform`);
      return manager.query(sql);
    });
  }

  it('the application role cannot call the platform functions', async () => {
    const tenant = await withPlatformRole(platform, (o) => o.registerTenant('Cedar', 'cedar'));
    for (const sql of [`SELECT platform_list_tenants()`, `SELECT platform_register_tenant('Evil', 'evil')`]) {
      expect({ sql, outcome: await sqlstateOf(() => withTenant(app, tenant, (m) => m.query(sql))) }).toEqual({ sql, outcome: '42501' });
    }
    const [row] = await db.dataSource.query(
      `SELECT p.proname, p.proowner::regrole::text AS owner, p.prosecdef,
              has_function_privilege('foundation_app', p.oid, 'EXECUTE') AS app,
              has_function_privilege('public', p.oid, 'EXECUTE') AS everyone
       FROM pg_proc p WHERE p.proname = 'platform_list_tenants'`,
    );
    expect(row).toEqual({ proname: 'platform_list_tenants', owner: 'foundation_tenant_registry', prosecdef: true, app: false, everyone: false });
  });
});
