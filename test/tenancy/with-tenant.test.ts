import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { enterTenant, TenantContextError, UnknownTenantError, withTenant } from '../../src/database/tenant-context';
import { Client } from '../../src/entities';
import { useAppLogin } from '../support/app-login';
import { makeClient } from '../support/factories';
import { createParents, createTenant, TABLE_WRITERS } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

describe('withTenant', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  const noInheritLogin = useAppLogin(db, ['foundation_app'], false);
  // As a migrator is left after migrating: a member of a function-owning role, whose policy reads every client.
  const searchOwnerLogin = useAppLogin(db, ['foundation_app', 'foundation_client_search']);
  let app: DataSource;
  let tenantA: string;
  let tenantB: string;
  let clientA: string;

  beforeAll(async () => {
    const owner = (sql: string, parameters?: unknown[]) => db.dataSource.query(sql, parameters);
    tenantA = await createTenant(owner);
    tenantB = await createTenant(owner);
    const parentsA = await createParents(owner, tenantA);
    clientA = await TABLE_WRITERS.clients!.insert(owner, tenantA, parentsA);
    await TABLE_WRITERS.clients!.insert(owner, tenantB, await createParents(owner, tenantB));
    app = await login.connect(1);
  });

  it('gives the callback a manager that sees only its tenant, and returns the callback result', async () => {
    const clients = await withTenant(app, tenantA, (manager) => manager.find(Client));
    expect(clients.map((client) => [client.tenantId, client.id])).toEqual([[tenantA, clientA]]);
  });

  it('rejects a malformed tenant id before touching the database', async () => {
    for (const bad of ['', 'acme', `${tenantA}x`, `'; DROP TABLE clients; --`, undefined as unknown as string]) {
      await expect(withTenant(app, bad, async () => 'ran')).rejects.toThrow(TenantContextError);
    }
    await expect(withTenant(app, 'acme', async () => 'ran')).rejects.toThrow('Tenant id must be a UUID, got "acme"');
  });

  it('rejects an unknown or soft-deleted tenant with UnknownTenantError', async () => {
    const unknown = randomUUID();
    await expect(withTenant(app, unknown, async () => 'ran')).rejects.toThrow(new UnknownTenantError(unknown));
    const retired = await createTenant((sql, p) => db.dataSource.query(sql, p));
    await db.dataSource.query(`UPDATE tenants SET deleted_at = now() WHERE id = $1`, [retired]);
    await expect(withTenant(app, retired, async () => 'ran')).rejects.toThrow(UnknownTenantError);
  });

  it('refuses to run as a role that bypasses row-level security, unless it assumes the application role', async () => {
    await expect(withTenant(db.dataSource, tenantA, async () => 'ran', { appRole: null })).rejects.toThrow(
      /bypasses row-level security/,
    );
    const asApp = await withTenant(db.dataSource, tenantA, (manager) => manager.find(Client), { appRole: 'foundation_app' });
    expect(asApp.map((client) => client.id)).toEqual([clientA]);
  });

  it('refuses a role that holds a function owner with a cross-tenant policy, unless it assumes the application role', async () => {
    const member = await searchOwnerLogin.connect(1);
    // What the refusal prevents: through the inherited USING (true) policy, tenant B's client is visible.
    const seen = await member.transaction(async (manager) => {
      await enterTenant(manager, tenantA);
      return manager.query(`SELECT DISTINCT tenant_id FROM clients ORDER BY 1`);
    });
    expect(seen.length).toBe(2);
    await expect(withTenant(member, tenantA, async () => 'ran', { appRole: null })).rejects.toThrow(
      /holds foundation_client_search, whose policies read across tenants/,
    );
    const asApp = await withTenant(member, tenantA, (manager) => manager.find(Client), { appRole: 'foundation_app' });
    expect(asApp.map((client) => client.id)).toEqual([clientA]);
  });

  it('assumes the configured role with SET LOCAL ROLE, from the options or DATABASE_APP_ROLE', async () => {
    const noInherit = await noInheritLogin.connect(1);
    // A NOINHERIT login has no table privileges of its own.
    await expect(withTenant(noInherit, tenantA, (m) => m.find(Client), { appRole: null })).rejects.toThrow(/permission denied/);
    const role = await withTenant(noInherit, tenantA, (m) => m.query(`SELECT current_user AS role`), { appRole: 'foundation_app' });
    expect(role).toEqual([{ role: 'foundation_app' }]);
    process.env.DATABASE_APP_ROLE = 'foundation_app';
    try {
      expect(await withTenant(noInherit, tenantA, (m) => m.count(Client))).toBe(1);
    } finally {
      delete process.env.DATABASE_APP_ROLE;
    }
    // The role ends with the transaction.
    expect(await noInherit.query(`SELECT current_user AS role`)).toEqual([{ role: noInheritLogin.role }]);
    await expect(withTenant(noInherit, tenantA, async () => 1, { appRole: 'x"; DROP TABLE clients; --' })).rejects.toThrow(
      TenantContextError,
    );
  });

  it('rolls back everything when the callback throws', async () => {
    const failure = new Error('business rule failed');
    const rolledBack = randomUUID();
    await expect(
      withTenant(app, tenantA, async (manager) => {
        await manager.insert(Client, makeClient(tenantA, { id: rolledBack }));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await withTenant(app, tenantA, (manager) => manager.countBy(Client, { id: rolledBack }))).toBe(0);
  });

  it('leaves nothing on the pooled connection: no tenant, no role, no rows', async () => {
    await withTenant(app, tenantA, (manager) => manager.count(Client));
    const [state] = await app.query(
      `SELECT current_setting('foundation.tenant_context', true) AS context, current_tenant_id() AS tenant,
              current_user AS role, (SELECT count(*)::int FROM clients) AS clients`,
    );
    expect(state).toEqual({ context: '', tenant: null, role: login.role, clients: 0 });
  });

  it('a manager kept past the callback fails instead of running outside the transaction', async () => {
    let leaked: EntityManager | undefined;
    await withTenant(app, tenantA, async (manager) => {
      leaked = manager;
    });
    await expect(leaked!.find(Client)).rejects.toThrow(/released/);
  });
});
