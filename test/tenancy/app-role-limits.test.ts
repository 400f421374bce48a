import { DataSource } from 'typeorm';
import { withTenant } from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { createTenant } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

/**
 * The application role cannot get around row-level security: no TRUNCATE (which ignores RLS),
 * no DDL, no disabling of triggers or of RLS itself, no switching to the owner or to a
 * privileged role. Each statement runs in the tenant's transaction, as application code would.
 */
describe('the application role cannot escape row-level security', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  let app: DataSource;
  let tenant: string;

  beforeAll(async () => {
    tenant = await createTenant((sql, parameters) => db.dataSource.query(sql, parameters));
    app = await login.connect(1);
  });

  async function attempt(sql: string): Promise<string> {
    try {
      await withTenant(app, tenant, (manager) => manager.query(sql));
      return 'allowed';
    } catch (error) {
      const { code, message } = error as { code?: string; message: string };
      return `${code}: ${message}`;
    }
  }

  const owner = () => db.settings.username;
  const forbidden: [string, () => string][] = [
    ['TRUNCATE', () => 'TRUNCATE clients'],
    ['TRUNCATE ... CASCADE', () => 'TRUNCATE tenants CASCADE'],
    ['ALTER TABLE', () => 'ALTER TABLE clients ADD COLUMN note text'],
    ['disable row-level security', () => 'ALTER TABLE clients DISABLE ROW LEVEL SECURITY'],
    ['stop forcing row-level security', () => 'ALTER TABLE clients NO FORCE ROW LEVEL SECURITY'],
    ['disable triggers', () => 'ALTER TABLE clients DISABLE TRIGGER ALL'],
    ['disable one trigger', () => 'ALTER TABLE clients DISABLE TRIGGER trg_clients_set_updated_at'],
    ['session_replication_role (skips triggers)', () => `SET LOCAL session_replication_role = replica`],
    ['DROP TABLE', () => 'DROP TABLE clients'],
    ['DROP POLICY', () => 'DROP POLICY pol_clients_tenant_isolation ON clients'],
    ['CREATE POLICY', () => 'CREATE POLICY pol_open ON clients USING (true)'],
    ['CREATE TABLE', () => 'CREATE TABLE public.escape (id int)'],
    ['CREATE FUNCTION in public', () => 'CREATE FUNCTION public.current_tenant_id(x int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$'],
    ['replace current_tenant_id()', () => `CREATE OR REPLACE FUNCTION current_tenant_id() RETURNS uuid LANGUAGE sql AS $$ SELECT NULL::uuid $$`],
    ['switch to the owner', () => `SET LOCAL ROLE "${owner()}"`],
    ['SET SESSION AUTHORIZATION', () => `SET SESSION AUTHORIZATION "${owner()}"`],
    ['grant itself BYPASSRLS', () => 'ALTER ROLE foundation_app BYPASSRLS'],
    ['grant itself the owner', () => `GRANT "${owner()}" TO foundation_app`],
    ['create a role', () => 'CREATE ROLE escape_hatch BYPASSRLS'],
    // Status, slug and soft delete of a tenant change only through the platform functions.
    ['reactivate its own tenant', () => `UPDATE tenants SET status = 'active'`],
    ['soft-delete its own tenant', () => `UPDATE tenants SET deleted_at = now()`],
    ['change its own slug', () => `UPDATE tenants SET slug = 'taken-over'`],
  ];

  it.each(forbidden)('%s is refused', async (_label, sql) => {
    // 42501 insufficient_privilege: refused for lack of rights, not for some incidental reason.
    expect(await attempt(sql())).toMatch(/^42501: (permission denied|must be (owner|superuser))/);
  });

  it("may rename its own tenant and change its settings (the columns it is granted)", async () => {
    const updated = await withTenant(app, tenant, (manager) =>
      manager.query(`UPDATE tenants SET name = 'Renamed Care', settings = '{"locale": "en-GB"}' RETURNING name, settings`),
    );
    expect(updated[0]).toEqual([{ name: 'Renamed Care', settings: { locale: 'en-GB' } }]);
  });

  it('row_security = off does not turn policies off: the query fails instead', async () => {
    expect(await attempt(`SET LOCAL row_security = off; SELECT * FROM clients`)).toMatch(/^42501: .*row-level security/);
  });

  it('and the table is still intact and protected afterwards', async () => {
    const [row] = await db.dataSource.query(
      `SELECT relrowsecurity, relforcerowsecurity,
              (SELECT count(*)::int FROM pg_policies WHERE tablename = 'clients') > 0 AS has_policy,
              (SELECT tgenabled FROM pg_trigger WHERE tgname = 'trg_clients_set_updated_at') AS trigger
       FROM pg_class WHERE oid = 'clients'::regclass`,
    );
    expect(row).toEqual({ relrowsecurity: true, relforcerowsecurity: true, has_policy: true, trigger: 'O' });
  });
});
