import { randomBytes } from 'node:crypto';
import { DataSource, QueryRunner } from 'typeorm';
import { enterTenant } from '../../src/database/tenant-context';
import { Tenant } from '../../src/entities';
import { tenantWithEvents } from '../support/audit';
import { fingerprint, outcomeOf } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

/**
 * The audit log is append-only for everyone: these statements run as the superuser that owns
 * the table, which no GRANT or REVOKE can restrain; only the triggers do.
 */
describe('user_action_audit_logs is append-only', () => {
  const db = useTestDatabase();
  let tenantId: string;
  let before: string;
  const APPEND_ONLY = 'append-only';

  /** Runs `sql` in a transaction that is rolled back, after `setUp` statements. */
  async function attempt(sql: string, setUp: (string | ((runner: QueryRunner) => Promise<unknown>))[] = []): Promise<string> {
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      for (const step of setUp) await (typeof step === 'string' ? runner.query(step) : step(runner));
      return await outcomeOf(() => runner.query(sql, sql.includes('$1') ? [tenantId] : []));
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  const currentPartition = async (source: DataSource): Promise<string> => {
    const [row] = await source.query(
      `SELECT tableoid::regclass::text AS name FROM user_action_audit_logs WHERE tenant_id = $1 LIMIT 1`,
      [tenantId],
    );
    return row.name;
  };

  beforeAll(async () => {
    ({ tenantId } = await tenantWithEvents(db.dataSource, 3));
    before = await fingerprint(db.dataSource, 'user_action_audit_logs');
  });

  afterEach(async () => {
    expect(await fingerprint(db.dataSource, 'user_action_audit_logs')).toBe(before);
  });

  it('the rows under test live in a monthly partition', async () => {
    expect(await currentPartition(db.dataSource)).toMatch(/^user_action_audit_logs_y\d{4}m\d{2}$/);
  });

  it('UPDATE is rejected, with the rule and the retention path in the error', async () => {
    const outcome = await attempt(`UPDATE user_action_audit_logs SET details = '{"edited": true}' WHERE tenant_id = $1`);
    expect(outcome).toContain(`${APPEND_ONLY}: UPDATE`);
    const runner = db.dataSource.createQueryRunner();
    try {
      await runner.query(`UPDATE user_action_audit_logs SET action = 'delete' WHERE tenant_id = $1`, [tenantId]);
      throw new Error('the UPDATE was accepted');
    } catch (error) {
      const { hint, code } = error as { hint?: string; code?: string };
      expect(code).toBe('23001'); // restrict_violation
      expect(hint).toContain('drop_expired_audit_log_partitions');
    } finally {
      await runner.release();
    }
  });

  it('DELETE is rejected', async () => {
    expect(await attempt(`DELETE FROM user_action_audit_logs WHERE tenant_id = $1`)).toContain(`${APPEND_ONLY}: DELETE`);
  });

  it('UPDATE and DELETE straight on a partition are rejected', async () => {
    const partition = await currentPartition(db.dataSource);
    expect(await attempt(`UPDATE ${partition} SET user_agent = 'x' WHERE tenant_id = $1`)).toContain(APPEND_ONLY);
    expect(await attempt(`DELETE FROM ${partition} WHERE tenant_id = $1`)).toContain(APPEND_ONLY);
  });

  it('TRUNCATE is rejected on the parent, on a monthly partition and on the default partition', async () => {
    const partition = await currentPartition(db.dataSource);
    expect(await attempt(`TRUNCATE user_action_audit_logs`)).toContain(`${APPEND_ONLY}: TRUNCATE`);
    expect(await attempt(`TRUNCATE ${partition}`)).toContain(`${APPEND_ONLY}: TRUNCATE`);
    expect(await attempt(`TRUNCATE user_action_audit_logs_default`)).toContain(`${APPEND_ONLY}: TRUNCATE`);
    expect(await attempt(`TRUNCATE tenants CASCADE`)).toContain(`${APPEND_ONLY}: TRUNCATE`);
  });

  it('session_replication_role = replica does not switch the rules off', async () => {
    const replica = [`SET LOCAL session_replication_role = replica`];
    expect(await attempt(`UPDATE user_action_audit_logs SET user_agent = 'x' WHERE tenant_id = $1`, replica)).toContain(
      APPEND_ONLY,
    );
    expect(await attempt(`DELETE FROM user_action_audit_logs WHERE tenant_id = $1`, replica)).toContain(APPEND_ONLY);
    expect(await attempt(`TRUNCATE user_action_audit_logs`, replica)).toContain(APPEND_ONLY);
  });

  it('deleting the tenant is refused by its RESTRICT key, and a cascade would be refused by the trigger', async () => {
    expect(await attempt(`DELETE FROM tenants WHERE id = $1`)).toContain('fk_user_action_audit_logs_tenant_id');
    // Were the key ever changed to ON DELETE CASCADE, the cascaded DELETE would still be refused.
    // The chain head's key is dropped here too, so only the audit rows stand in the way.
    const cascade = [
      `ALTER TABLE user_action_audit_logs DROP CONSTRAINT fk_user_action_audit_logs_tenant_id`,
      `ALTER TABLE user_action_audit_logs ADD CONSTRAINT fk_user_action_audit_logs_tenant_id
         FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE`,
      `ALTER TABLE user_action_audit_log_chains DROP CONSTRAINT fk_user_action_audit_log_chains_tenant_id`,
    ];
    expect(await attempt(`DELETE FROM tenants WHERE id = $1`, cascade)).toContain(`${APPEND_ONLY}: DELETE`);
    expect(await db.dataSource.getRepository(Tenant).countBy({ id: tenantId })).toBe(1);
  });

  it('a role granted every privilege on the table is still refused', async () => {
    const role = `audit_all_${randomBytes(4).toString('hex')}`;
    await db.dataSource.query(`CREATE ROLE ${role} NOLOGIN`);
    try {
      await db.dataSource.query(`GRANT ALL ON user_action_audit_logs TO ${role}`);
      // Under forced row-level security the role sees its tenant's rows only with the tenant set;
      // without it the DELETE would match nothing and never reach the trigger.
      const asRole = [`SET LOCAL ROLE ${role}`, (runner: QueryRunner) => enterTenant(runner, tenantId)];
      expect(await attempt(`DELETE FROM user_action_audit_logs WHERE tenant_id = $1`, asRole)).toContain(APPEND_ONLY);
      expect(await attempt(`TRUNCATE user_action_audit_logs`, asRole)).toContain(APPEND_ONLY);
    } finally {
      await db.dataSource.query(`REVOKE ALL ON user_action_audit_logs FROM ${role}`);
      await db.dataSource.query(`DROP ROLE ${role}`);
    }
  });

  it('every partition has the row, chain and TRUNCATE triggers, set to fire ALWAYS', async () => {
    // Triggers cloned onto partitions count as internal on PostgreSQL 14 (not on 15+), so the
    // foreign keys' internal triggers are left out by their constraint, not by tgisinternal.
    const rows: { relname: string; tgname: string; tgenabled: string }[] = await db.dataSource.query(
      `SELECT c.relname, t.tgname, t.tgenabled FROM pg_class c
       JOIN pg_trigger t ON t.tgrelid = c.oid AND t.tgconstraint = 0
       WHERE c.oid = 'user_action_audit_logs'::regclass
          OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'user_action_audit_logs'::regclass)
       ORDER BY 1, 2`,
    );
    const tables = [...new Set(rows.map((row) => row.relname))];
    expect(tables.length).toBeGreaterThanOrEqual(6); // parent, default, current month + 3
    for (const table of tables) {
      const triggers = rows.filter((row) => row.relname === table);
      // The chain trigger fires ALWAYS too (HardenUserActionAuditLog), and the default
      // partition refuses every row.
      expect({ table, triggers }).toEqual({
        table,
        triggers: [
          { relname: table, tgname: 'trg_user_action_audit_logs_append_only', tgenabled: 'A' },
          { relname: table, tgname: 'trg_user_action_audit_logs_chain', tgenabled: 'A' },
          ...(table === 'user_action_audit_logs_default' ? [{ relname: table, tgname: 'trg_user_action_audit_logs_default_refuses', tgenabled: 'A' }] : []),
          { relname: table, tgname: 'trg_user_action_audit_logs_no_truncate', tgenabled: 'A' },
        ],
      });
    }
  });
});
