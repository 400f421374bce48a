import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { recordAuditEvent } from '../../src/audit';
import { enterTenant, UnknownTenantError, withPlatformRole, withTenant } from '../../src/database/tenant-context';
import { WRITE_GUARD_EXEMPT_TABLES } from '../../src/migrations/support/tenant-write-guard-v1';
import { useAppLogin } from '../support/app-login';
import { sampleEvent } from '../support/audit';
import { createTenant, parentsOf, Query, Rows, seedTenantRows, TABLE_WRITERS } from '../support/tenant-data';
import { tenantScopedTables } from '../support/tenant-tables';
import { outcome, proofFor, rawClient } from '../support/tenant-context';
import { useTestDatabase } from '../support/test-database';

/**
 * A suspended or archived tenant is read-only in the database itself: inside its transaction,
 * as the application role (or any role bound by row-level security), every read works and
 * every write to its data is refused with 25006, whatever the SQL tries; only the audit trail
 * still takes the events that record those reads.
 */
describe('suspended and archived tenants are read-only', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  const platformLogin = useAppLogin(db, ['foundation_platform'], false);
  let app: DataSource;
  let platform: DataSource;
  let tables: string[];
  const tenants: Record<'active' | 'suspended' | 'archived', { id: string; rows: Rows }> = {} as never;
  const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);

  beforeAll(async () => {
    tables = await tenantScopedTables(db.dataSource);
    for (const status of ['active', 'suspended', 'archived'] as const) {
      const id = await createTenant(owner);
      tenants[status] = { id, rows: await seedTenantRows(owner, id, () => 2) };
    }
    app = await login.connect(2);
    platform = await platformLogin.connect(1);
    await withPlatformRole(platform, async (operations) => {
      await operations.setTenantStatus(tenants.suspended.id, 'suspended');
      await operations.setTenantStatus(tenants.archived.id, 'archived');
    });
  });

  const guarded = () => tables.filter((table) => !WRITE_GUARD_EXEMPT_TABLES.includes(table) && TABLE_WRITERS[table]!.touch !== null);

  /** Every kind of write on every guarded table, each in its own savepoint; the SQLSTATE of each. */
  async function writes(manager: EntityManager, tenantId: string, rows: Rows): Promise<Record<string, string>> {
    const result: Record<string, string> = {};
    const parents = parentsOf(rows);
    const attempt = async (label: string, run: () => Promise<unknown>) => {
      await manager.query('SAVEPOINT w');
      result[label] = (await outcome(run)).slice(0, 5);
      await manager.query('ROLLBACK TO SAVEPOINT w');
    };
    for (const table of guarded()) {
      const writer = TABLE_WRITERS[table]!;
      const key = writer.key ?? 'id';
      await attempt(`${table} insert`, () => writer.insert((sql, p) => manager.query(sql, p), tenantId, parents));
      await attempt(`${table} update`, () => manager.query(`UPDATE ${table} SET ${writer.touch} WHERE ${key} = $1`, [rows[table]![0]]));
      await attempt(`${table} delete`, () => manager.query(`DELETE FROM ${table} WHERE ${key} = $1`, [rows[table]![0]]));
    }
    await attempt('tenants rename', () => manager.query(`UPDATE tenants SET name = 'Renamed while suspended'`));
    await attempt('clients upsert', () =>
      manager.query(`INSERT INTO clients SELECT * FROM clients WHERE id = $1 ON CONFLICT DO NOTHING`, [rows.clients![0]]),
    );
    await attempt('select for update', () => manager.query(`SELECT id FROM clients FOR UPDATE`));
    return result;
  }

  const all = (sqlstate: string) => (result: Record<string, string>) => Object.fromEntries(Object.keys(result).map((label) => [label, sqlstate]));

  it('an active tenant writes everything (the guard is not in its way)', async () => {
    const result = await withTenant(app, tenants.active.id, (m) => writes(m, tenants.active.id, tenants.active.rows));
    // Deleting a row that other rows still point at is refused by its foreign key, as always:
    // 23503 (foreign_key_violation), or 23001 (restrict_violation) for an ON DELETE RESTRICT key
    // on PostgreSQL 18 and later. Nothing is refused as read-only (25006).
    const expected = Object.fromEntries(
      Object.keys(result).map((label) => [label, label.endsWith(' delete') ? expect.stringMatching(/^(ok|23503|23001)$/) : 'ok']),
    );
    expect(result).toEqual(expected);
    expect(Object.values(result).filter((sqlstate) => sqlstate === 'ok').length).toBeGreaterThan(15);
  });

  it.each(['suspended', 'archived'] as const)('a %s tenant reads all its rows, and every write is refused with 25006', async (status) => {
    const { id, rows } = tenants[status];
    const seen = await withTenant(app, id, async (manager) => {
      const counts: Record<string, number> = {};
      for (const table of tables) [{ n: counts[table] }] = await manager.query(`SELECT count(*)::int AS n FROM ${table}`);
      return counts;
    });
    expect(seen).toEqual(Object.fromEntries(tables.map((table) => [table, rows[table]!.length])));
    const result = await withTenant(app, id, (m) => writes(m, id, rows));
    expect(Object.keys(result).length).toBeGreaterThan(15);
    expect(result).toEqual(all('25006')(result));
  });

  it('the refusal names the tenant, its status and the rule', async () => {
    const message = await outcome(() => withTenant(app, tenants.suspended.id, (m) => m.query(`UPDATE clients SET status = 'declined'`)));
    expect(message).toBe(`25006: tenant ${tenants.suspended.id} is suspended: its data can be read but not written`);
  });

  it("a suspended tenant's reads are still recorded in the audit trail", async () => {
    const { id } = tenants.suspended;
    const count = async () => (await owner(`SELECT count(*)::int AS n FROM user_action_audit_logs WHERE tenant_id = $1`, [id]))[0].n;
    const before = await count();
    const recorded = await withTenant(app, id, (m) => recordAuditEvent(m, sampleEvent(id, 0)));
    expect({ after: await count(), sequence: recorded.chainSequence }).toEqual({ after: before + 1, sequence: String(before + 1) });
  });

  it('SQL inside the transaction cannot make it writable again', async () => {
    const { id, rows } = tenants.suspended;
    const tries = await withTenant(app, id, async (m) => {
      const result: Record<string, string> = {};
      const attempt = async (label: string, sql: string, parameters: unknown[] = []) => {
        await m.query('SAVEPOINT t');
        await m.query('SAVEPOINT tamper');
        if ((await outcome(() => m.query(sql, parameters))) !== 'ok') await m.query('ROLLBACK TO SAVEPOINT tamper');
        result[label] = (await outcome(() => m.query(`UPDATE clients SET status = 'declined' WHERE id = $1`, [rows.clients![0]]))).slice(0, 5);
        await m.query('ROLLBACK TO SAVEPOINT t');
      };
      const [{ context }] = await m.query(`SELECT current_setting('foundation.tenant_context') AS context`);
      await attempt('context edited to active', `SELECT set_config('foundation.tenant_context', $1, true)`, [context.replace('.suspended.', '.active.')]);
      await attempt('reset the context', `RESET foundation.tenant_context`);
      await attempt('old setting', `SELECT set_config('app.tenant_id', $1, true)`, [id]);
      await attempt('reactivate itself', `UPDATE tenants SET status = 'active'`);
      await attempt('platform function', `SELECT platform_set_tenant_status($1, 'active')`, [id]);
      await attempt('replace the guard', `CREATE OR REPLACE FUNCTION current_tenant_writable() RETURNS boolean LANGUAGE sql AS $$ SELECT true $$`);
      await attempt('drop the guard', `DROP POLICY pol_clients_writable_update ON clients`);
      return result;
    });
    // Either the write is refused as read-only (25006), or the tampering removed the tenant and
    // nothing is visible to update (ok, 0 rows): never a successful write.
    for (const [label, sqlstate] of Object.entries(tries)) expect({ label, sqlstate }).toEqual({ label, sqlstate: expect.stringMatching(/^(25006|ok)$/) });
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM clients WHERE tenant_id = $1 AND status = 'declined'`, [id]);
    expect(n).toBe(0);
  });

  it('a role with every privilege on the table, bound by row-level security, is refused too', async () => {
    const role = `guard_all_${randomBytes(4).toString('hex')}`;
    await db.dataSource.query(`CREATE ROLE ${role} NOLOGIN`);
    try {
      await db.dataSource.query(`GRANT ALL ON clients TO ${role}`);
      const result = await db.dataSource.transaction(async (m) => {
        await m.query(`SET LOCAL ROLE ${role}`);
        await enterTenant(m, tenants.suspended.id);
        return outcome(() => m.query(`DELETE FROM clients`));
      });
      expect(result.slice(0, 5)).toBe('25006');
    } finally {
      await db.dataSource.query(`REVOKE ALL ON clients FROM ${role}`);
      await db.dataSource.query(`DROP ROLE ${role}`);
    }
  });

  it('the status is fixed when the transaction enters: reactivation applies to the next transaction', async () => {
    const { id, rows } = tenants.archived;
    const client = await rawClient(login.settings);
    try {
      await client.query('BEGIN');
      expect((await client.query(`SELECT enter_tenant($1) AS status`, [proofFor(client, id)])).rows).toEqual([{ status: 'archived' }]);
      await withPlatformRole(platform, (operations) => operations.setTenantStatus(id, 'active'));
      expect((await outcome(() => client.query(`DELETE FROM facility_staff WHERE id = $1`, [rows.facility_staff![0]]))).slice(0, 5)).toBe('25006');
      await client.query('ROLLBACK');
      const deleted = await withTenant(app, id, (m) => m.query(`DELETE FROM facility_staff WHERE id = $1`, [rows.facility_staff![0]]));
      expect(deleted[1]).toBe(1);
    } finally {
      await client.end();
      await withPlatformRole(platform, (operations) => operations.setTenantStatus(id, 'archived'));
    }
  });

  it('a soft-deleted tenant is refused by withTenant, and read-only when entered directly', async () => {
    const id = await createTenant(owner);
    await seedTenantRows(owner, id, () => 1);
    await owner(`UPDATE tenants SET deleted_at = now() WHERE id = $1`, [id]);
    await expect(withTenant(app, id, async () => 'ran')).rejects.toThrow(UnknownTenantError);
    const result = await db.dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL ROLE foundation_app`);
      const entered = await enterTenant(m, id);
      return { status: entered.status, write: (await outcome(() => m.query(`UPDATE users SET last_login_at = now()`))).slice(0, 5) };
    });
    expect(result).toEqual({ status: 'deleted', write: '25006' });
  });
});
