import { randomUUID } from 'node:crypto';
import { applyAuditRetention, ensureAuditPartitions, verifyAuditLogs } from '../../src/audit';
import { FoundationDataSource } from '../../src/database/foundation-data-source';
import { auditDdlGuardInstallSql, breakGlassSql } from '../../src/migrations/support/audit-ddl-guard';
import { createMonthPartition, GUARD_EVENT_TRIGGERS, importHistoricEvents } from '../support/audit';
import { FUNCTION_OWNING_ROLES, useOwnerLogin } from '../support/owner-login';
import { outcomeOf } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';
import { withAdminClient } from '../support/test-server';
import { enterTenant, installTenantContextKey, resolveTenantContextKey } from '../../src/database/tenant-context';

/**
 * The audit DDL guard against the tables' owner, as a managed service sets it up: the owner is
 * not a superuser, so its migrations could not install the guard (they say so), and the DBA runs
 * the guard's script as a superuser afterwards. Every change that could remove, rewrite or hide
 * audit rows is then refused, for the owner and for a superuser who does not switch the guard
 * off first; upkeep still works, and break glass is recorded.
 */
describe('the audit DDL guard, installed by the DBA over an owner that is not a superuser', () => {
  const db = useTestDatabase('empty');
  const owner = useOwnerLogin(db, FUNCTION_OWNING_ROLES);
  let ownerSource: FoundationDataSource;
  const tenantId = randomUUID();
  const expiredAt = new Date(Date.UTC(new Date().getUTCFullYear() - 9, 2, 15)).toISOString();
  let expired: string;
  let current: string;

  const asOwner = (statements: string[]) =>
    outcomeOf(() =>
      ownerSource.transaction(async (manager) => {
        await enterTenant(manager, tenantId);
        for (const sql of statements) await manager.query(sql);
      }),
    );

  beforeAll(async () => {
    ownerSource = await owner.connect();
    await ownerSource.runMigrations({ transaction: 'each' });
    // As a deploy does after migrating: the schema owner installs the application's key.
    await installTenantContextKey(ownerSource, resolveTenantContextKey());
    await owner.leaveRoles();
    await db.dataSource.query(`INSERT INTO tenants (id, name, slug) VALUES ($1, 'Guarded', 'guarded')`, [tenantId]);
    expired = await createMonthPartition(ownerSource, expiredAt);
    await importHistoricEvents(db.dataSource, tenantId, expiredAt, 2);
    await asOwner([`INSERT INTO user_action_audit_logs (tenant_id, action, entity_type) VALUES ('${tenantId}', 'read', 'client')`]);
    [{ partition: current }] = await db.dataSource.query(`SELECT tableoid::regclass::text AS partition FROM user_action_audit_logs WHERE chain_sequence = 3`);
    // The DBA's step: the guard's script, as a superuser, in the application database.
    await withAdminClient(db.settings, async (client) => {
      await client.query('BEGIN');
      for (const statement of auditDdlGuardInstallSql()) await client.query(statement);
      await client.query('COMMIT');
    });
  });

  it('the owner could not install it itself; the DBA did, with event triggers that fire ALWAYS', async () => {
    expect(await outcomeOf(() => ownerSource.query(auditDdlGuardInstallSql()[0]!))).toContain('is installed by a superuser');
    const triggers = await db.dataSource.query(`SELECT evtname, evtenabled FROM pg_event_trigger ORDER BY 1`);
    expect(triggers).toEqual(GUARD_EVENT_TRIGGERS.map((evtname) => ({ evtname, evtenabled: 'A' })).sort((a, b) => a.evtname.localeCompare(b.evtname)));
    expect(await ownerSource.query(`SELECT * FROM audit_guard.violations()`)).toEqual([]);
  });

  const refused: [string, () => string[]][] = [
    ['disable the append-only trigger', () => [`ALTER TABLE user_action_audit_logs DISABLE TRIGGER trg_user_action_audit_logs_append_only`]],
    ["disable every user trigger of a partition", () => [`ALTER TABLE ${current} DISABLE TRIGGER USER`]],
    ['make the chain trigger fire on replicas only', () => [`ALTER TABLE user_action_audit_logs ENABLE REPLICA TRIGGER trg_user_action_audit_logs_chain`]],
    ['drop the append-only trigger', () => [`DROP TRIGGER trg_user_action_audit_logs_append_only ON user_action_audit_logs`]],
    ["drop a partition's TRUNCATE trigger", () => [`DROP TRIGGER trg_user_action_audit_logs_no_truncate ON ${current}`]],
    ['detach a partition', () => [`ALTER TABLE user_action_audit_logs DETACH PARTITION ${current}`]],
    ['drop a partition', () => [`DROP TABLE ${current}`]],
    ['drop the system log', () => [`DROP TABLE system_audit_log`]],
    ['drop the chain heads', () => [`DROP TABLE user_action_audit_log_chains`]],
    ['alter a policy', () => [`ALTER POLICY pol_user_action_audit_logs_tenant_isolation ON user_action_audit_logs USING (true)`]],
    ['drop a policy', () => [`DROP POLICY pol_user_action_audit_logs_tenant_isolation ON user_action_audit_logs`]],
    ['add a policy', () => [`CREATE POLICY pol_open ON system_audit_log USING (true)`]],
    ['stop forcing row-level security', () => [`ALTER TABLE user_action_audit_log_chains NO FORCE ROW LEVEL SECURITY`]],
    ['rename the table', () => [`ALTER TABLE user_action_audit_logs RENAME TO old_audit`]],
    ['drop a column', () => [`ALTER TABLE user_action_audit_logs DROP COLUMN user_agent`]],
    ['rewrite every row', () => [`ALTER TABLE user_action_audit_logs ALTER COLUMN details TYPE jsonb USING '{}'::jsonb`]],
    ['add a trigger that skips rows', () => [`CREATE TRIGGER aaa_skip BEFORE INSERT ON user_action_audit_logs FOR EACH ROW EXECUTE FUNCTION refuse_audit_log_default_partition()`]],
    ['add a rule', () => [`CREATE RULE skip AS ON INSERT TO user_action_audit_logs DO INSTEAD NOTHING`]],
    ['replace the append-only function', () => [`CREATE OR REPLACE FUNCTION reject_append_only_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$`]],
    ['drop the row hash function', () => [`DROP FUNCTION audit_log_row_hash(bytea, uuid, uuid, bigint, timestamptz, uuid, audit_action_enum, text, uuid, jsonb, text, inet, text) CASCADE`]],
    ['attach a table of forged rows', () => [`CREATE TABLE forged (LIKE user_action_audit_logs INCLUDING ALL)`, `ALTER TABLE user_action_audit_logs ATTACH PARTITION forged FOR VALUES FROM ('2099-01-01') TO ('2099-02-01')`]],
  ];

  it.each(refused)('the owner may not %s', async (_label, statements) => {
    expect(await asOwner(statements())).toMatch(/^rejected: audit DDL guard: .* is not allowed/);
  });

  it('a superuser who does not switch the guard off is refused too, also with session_replication_role = replica', async () => {
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query(`SET LOCAL session_replication_role = replica`);
      expect(await outcomeOf(() => runner.query(`ALTER TABLE user_action_audit_logs DISABLE TRIGGER trg_user_action_audit_logs_append_only`))).toContain('audit DDL guard');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('DDL elsewhere is untouched', async () => {
    expect(await asOwner([`CREATE TABLE scratch (id int)`, `ALTER TABLE scratch ADD COLUMN note text`, `DROP TABLE scratch`])).toBe('accepted');
  });

  it('upkeep still works: new partitions (registered and protected by the guard), and retention of an expired one', async () => {
    const created = (await ensureAuditPartitions(ownerSource.manager, 6)).filter((o) => o.outcome === 'created');
    expect(created.length).toBeGreaterThan(0);
    const [truncate] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = 'trg_user_action_audit_logs_no_truncate' AND tgenabled = 'A'`,
      [created.find((o) => o.table === 'user_action_audit_logs')!.partitionName],
    );
    expect(truncate.n).toBe(1);
    expect(await applyAuditRetention(ownerSource.manager)).toEqual([{ table: 'user_action_audit_logs', partitionName: expired, outcome: 'dropped' }]);
    const [approval] = await db.dataSource.query(`SELECT relname FROM audit_guard.retention_approvals`);
    expect(approval.relname).toBe(expired);
    expect(await ownerSource.query(`SELECT * FROM audit_guard.violations()`)).toEqual([]);
    // Approval is for expired partitions only.
    expect(await asOwner([`SELECT audit_guard.approve_retention(ARRAY['${current}'::regclass])`])).toContain('not an audit partition that ended more than 6 years ago');
  });

  it('break glass lets one transaction through, and is recorded where the owner cannot reach it, and in the system audit log', async () => {
    expect(await asOwner([`SELECT audit_guard.break_glass('too short')`])).toContain('at least 10 characters');
    const outcome = await asOwner([
      `SELECT audit_guard.break_glass('INC-4711: rebuild the append-only trigger after a failed restore')`,
      `ALTER TABLE user_action_audit_logs DISABLE TRIGGER trg_user_action_audit_logs_append_only`,
      `ALTER TABLE user_action_audit_logs ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_append_only`,
    ]);
    expect(outcome).toBe('accepted');
    // The next transaction is guarded again.
    expect(await asOwner([`ALTER TABLE user_action_audit_logs DISABLE TRIGGER trg_user_action_audit_logs_append_only`])).toContain('audit DDL guard');
    const [ledger] = await db.dataSource.query(`SELECT session_user_name, reason FROM audit_guard.break_glass_log`);
    expect(ledger).toEqual({ session_user_name: owner.role, reason: 'INC-4711: rebuild the append-only trigger after a failed restore' });
    expect(await asOwner([`DELETE FROM audit_guard.break_glass_log`])).toContain('permission denied');
    const [recorded] = await db.dataSource.query(`SELECT event_type, database_user, details->>'reason' AS reason FROM system_audit_log WHERE stream = 'break_glass'`);
    expect(recorded).toEqual({ event_type: 'break_glass.audit_ddl_guard', database_user: owner.role, reason: 'INC-4711: rebuild the append-only trigger after a failed restore' });
    const report = await verifyAuditLogs(ownerSource.manager, { history: null });
    expect(report.intact).toBe(true);
  });
});

describe('the audit DDL guard, installed by the migrations when they run as a superuser', () => {
  const db = useTestDatabase();

  it('is there, with its event triggers enabled ALWAYS, and sees nothing wrong', async () => {
    expect(await db.dataSource.query(`SELECT evtname, evtenabled, evtowner::regrole::text = current_user AS mine FROM pg_event_trigger ORDER BY 1`)).toEqual(
      [...GUARD_EVENT_TRIGGERS].sort().map((evtname) => ({ evtname, evtenabled: 'A', mine: true })),
    );
    expect(await db.dataSource.query(`SELECT * FROM audit_guard.violations()`)).toEqual([]);
  });

  it("a later migration's change to an audit table passes with breakGlassSql, and is recorded; without it, it is refused", async () => {
    const change = `ALTER POLICY pol_user_action_audit_logs_tenant_isolation ON user_action_audit_logs USING (tenant_id = (SELECT current_tenant_id()))`;
    const inTransaction = (statements: string[]) =>
      outcomeOf(() =>
        db.dataSource.transaction(async (manager) => {
          for (const sql of statements) await manager.query(sql);
        }),
      );
    expect(await inTransaction([change])).toContain('audit DDL guard: ALTER POLICY');
    expect(await inTransaction([breakGlassSql('AddPolicyShape1754250081000: versioned tenant policy'), change])).toBe('accepted');
    const [entry] = await db.dataSource.query(`SELECT reason FROM audit_guard.break_glass_log ORDER BY id DESC LIMIT 1`);
    expect(entry.reason).toBe('AddPolicyShape1754250081000: versioned tenant policy');
  });
});
