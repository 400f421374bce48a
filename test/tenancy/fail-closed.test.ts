import { DataSource } from 'typeorm';
import { withTenant } from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { createParents, createTenant, Parents, Query, TABLE_WRITERS } from '../support/tenant-data';
import { tenantScopedTables } from '../support/tenant-tables';
import { useTestDatabase } from '../support/test-database';
import { sqlstateOf } from '../support/rule-check';


/**
 * Without a tenant, the application role sees nothing and writes nothing, whether the context
 * setting was never set on the connection (NULL), was left empty by an earlier transaction's
 * context on the same pooled connection (''), or holds something that is not a context. A write
 * fails with an RLS error (42501), never with a cast error (22P02) that a caller might treat as
 * a bad input.
 */
describe('no tenant in context: fail closed', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  let app: DataSource;
  let tables: string[];
  let tenant: string;
  let parents: Parents;

  beforeAll(async () => {
    const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);
    tenant = await createTenant(owner);
    parents = await createParents(owner, tenant);
    for (const table of ['clients', 'facility_staff']) await TABLE_WRITERS[table]!.insert(owner, tenant, parents);
    tables = ['tenants', ...(await tenantScopedTables(db.dataSource))];
    app = await login.connect(1); // one connection, so "the same pooled connection" is certain
  });

  async function expectNothingVisibleAndWritesRejected(expectedSetting: string | null): Promise<void> {
    const [{ setting }] = await app.query(`SELECT current_setting('foundation.tenant_context', true) AS setting`);
    expect(setting).toBe(expectedSetting);
    for (const table of tables) {
      const [{ n }] = await app.query(`SELECT count(*)::int AS n FROM ${table}`);
      expect({ table, n }).toEqual({ table, n: 0 });
    }
    for (const table of tables.filter((name) => name !== 'tenants')) {
      const writer = TABLE_WRITERS[table];
      expect({ table, writer: Boolean(writer) }).toEqual({ table, writer: true });
      const insert = await sqlstateOf(() => writer!.insert((sql, p) => app.query(sql, p), tenant, parents));
      expect({ table, insert }).toEqual({ table, insert: '42501' });
      if (writer!.touch === null) continue; // no UPDATE or DELETE privilege at all
      const [, updated] = await app.query(`UPDATE ${table} SET ${writer!.touch}`);
      const [, deleted] = await app.query(`DELETE FROM ${table}`);
      expect({ table, updated, deleted }).toEqual({ table, updated: 0, deleted: 0 });
    }
    const [, updatedTenants] = await app.query(`UPDATE tenants SET name = 'Hijacked'`);
    expect(updatedTenants).toBe(0);
  }

  it('on a fresh connection (setting never set): zero rows everywhere, writes rejected with 42501', async () => {
    await expectNothingVisibleAndWritesRejected(null);
  });

  it('after an earlier transaction set the tenant locally (setting now empty): the same', async () => {
    expect(await withTenant(app, tenant, (manager) => manager.query(`SELECT count(*)::int AS n FROM clients`))).toEqual([{ n: 1 }]);
    await expectNothingVisibleAndWritesRejected('');
  });

  it.each([
    ['empty', ''],
    ['not a context', 'garbage'],
    ['a bare tenant id', 'TENANT'],
    ['seven fields, none valid', 'ftx1.x.TENANT.active.1.2.zz'],
  ])('a context setting that is %s, inside a transaction: the same, no cast error', async (_label, value) => {
    const setting = value.replace('TENANT', tenant);
    await app.transaction(async (manager) => {
      await manager.query(`SELECT set_config('foundation.tenant_context', $1, true)`, [setting]);
      for (const table of tables) {
        const [{ n }] = await manager.query(`SELECT count(*)::int AS n FROM ${table}`);
        expect({ table, n }).toEqual({ table, n: 0 });
      }
    });
    const insert = await sqlstateOf(() =>
      app.transaction(async (manager) => {
        await manager.query(`SELECT set_config('foundation.tenant_context', $1, true)`, [setting]);
        await TABLE_WRITERS.clients!.insert((sql, p) => manager.query(sql, p), tenant, parents);
      }),
    );
    expect(insert).toBe('42501');
  });

  it('the rows are really there: the owner (a superuser here) sees them', async () => {
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM clients WHERE tenant_id = $1`, [tenant]);
    expect(n).toBe(1);
  });
});
