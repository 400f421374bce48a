import { randomBytes } from 'node:crypto';
import { recordAuditEvent, verifyAuditChain } from '../../src/audit';
import { enterTenant } from '../../src/database/tenant-context';
import { sampleEvent, tamperAsSuperuser, tenantWithEvents } from '../support/audit';
import { useTestDatabase } from '../support/test-database';

/** Each case tampers with its own tenant's chain, as a superuser who disabled the triggers. */
describe('the audit hash chain shows tampering', () => {
  const db = useTestDatabase();

  it('an untouched chain verifies, and links each row to the one before', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 5);
    expect(events.map((event) => event.chainSequence)).toEqual(['1', '2', '3', '4', '5']);
    expect(await verifyAuditChain(db.dataSource.manager, tenantId)).toEqual({ intact: true });

    const rows: { previous_hash: Buffer; row_hash: Buffer }[] = await db.dataSource.query(
      `SELECT previous_hash, row_hash FROM user_action_audit_logs WHERE tenant_id = $1 ORDER BY chain_sequence`,
      [tenantId],
    );
    expect(rows[0]!.previous_hash.equals(Buffer.alloc(32))).toBe(true);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.previous_hash.equals(rows[i - 1]!.row_hash)).toBe(true);
    const [head] = await db.dataSource.query(
      `SELECT last_sequence, last_hash FROM user_action_audit_log_chains WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(head.last_sequence).toBe('5');
    expect(head.last_hash.equals(rows[4]!.row_hash)).toBe(true);
  });

  it('chains are per tenant: another tenant starts at 1', async () => {
    const first = await tenantWithEvents(db.dataSource, 2);
    const second = await tenantWithEvents(db.dataSource, 1);
    expect(second.events[0]!.chainSequence).toBe('1');
    expect(await verifyAuditChain(db.dataSource.manager, first.tenantId)).toEqual({ intact: true });
  });

  it('an edited row is reported as changed', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 5);
    await tamperAsSuperuser(db.dataSource, (runner) =>
      runner.query(`UPDATE user_action_audit_logs SET details = '{"step": 99}' WHERE tenant_id = $1 AND id = $2`, [
        tenantId,
        events[2]!.id,
      ]),
    );
    expect(await verifyAuditChain(db.dataSource.manager, tenantId)).toEqual({
      intact: false,
      sequence: '3',
      rowId: events[2]!.id,
      problem: 'changed',
    });
  });

  it('an edited row whose hash was recomputed is still reported as changed', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 5);
    await tamperAsSuperuser(db.dataSource, (runner) =>
      runner.query(
        `UPDATE user_action_audit_logs l SET actor_user_id = gen_random_uuid() WHERE tenant_id = $1 AND id = $2;`,
        [tenantId, events[1]!.id],
      ),
    );
    await tamperAsSuperuser(db.dataSource, (runner) =>
      runner.query(
        `UPDATE user_action_audit_logs l
         SET row_hash = audit_log_row_hash(l.previous_hash, l.tenant_id, l.id, l.chain_sequence, l.occurred_at,
           l.actor_user_id, l.action, l.entity_type, l.entity_id, l.details, l.request_id, l.ip_address, l.user_agent)
         WHERE tenant_id = $1 AND id = $2`,
        [tenantId, events[1]!.id],
      ),
    );
    expect(await verifyAuditChain(db.dataSource.manager, tenantId)).toEqual({
      intact: false,
      sequence: '2',
      rowId: events[1]!.id,
      problem: 'changed',
    });
  });

  it('a deleted row is reported as missing', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 5);
    await tamperAsSuperuser(db.dataSource, (runner) =>
      runner.query(`DELETE FROM user_action_audit_logs WHERE tenant_id = $1 AND id = $2`, [tenantId, events[1]!.id]),
    );
    expect(await verifyAuditChain(db.dataSource.manager, tenantId)).toEqual({
      intact: false,
      sequence: '2',
      rowId: null,
      problem: 'missing',
    });
  });

  it('deleting the latest rows, or the first, is reported as missing too', async () => {
    const latest = await tenantWithEvents(db.dataSource, 4);
    await tamperAsSuperuser(db.dataSource, (runner) =>
      runner.query(`DELETE FROM user_action_audit_logs WHERE tenant_id = $1 AND chain_sequence >= 3`, [latest.tenantId]),
    );
    expect(await verifyAuditChain(db.dataSource.manager, latest.tenantId)).toEqual({
      intact: false,
      sequence: '3',
      rowId: null,
      problem: 'missing',
    });

    const first = await tenantWithEvents(db.dataSource, 3);
    await tamperAsSuperuser(db.dataSource, (runner) =>
      runner.query(`DELETE FROM user_action_audit_logs WHERE tenant_id = $1 AND chain_sequence = 1`, [first.tenantId]),
    );
    expect(await verifyAuditChain(db.dataSource.manager, first.tenantId)).toMatchObject({ sequence: '1', problem: 'missing' });
  });

  it('two rows swapped in the chain are reported as reordered', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 5);
    await tamperAsSuperuser(db.dataSource, (runner) =>
      runner.query(
        `UPDATE user_action_audit_logs SET chain_sequence = CASE chain_sequence WHEN 3 THEN 4 ELSE 3 END
         WHERE tenant_id = $1 AND chain_sequence IN (3, 4)`,
        [tenantId],
      ),
    );
    expect(await verifyAuditChain(db.dataSource.manager, tenantId)).toEqual({
      intact: false,
      sequence: '3',
      rowId: events[3]!.id,
      problem: 'reordered',
    });
  });

  it('the chain head must not be removed', async () => {
    const { tenantId } = await tenantWithEvents(db.dataSource, 2);
    await db.dataSource.query(`DELETE FROM user_action_audit_log_chains WHERE tenant_id = $1`, [tenantId]);
    expect(await verifyAuditChain(db.dataSource.manager, tenantId)).toMatchObject({ intact: false, sequence: '1' });
  });

  it('a role with only INSERT and SELECT on the audit table can record events (SECURITY DEFINER trigger)', async () => {
    const { tenantId } = await tenantWithEvents(db.dataSource, 1);
    const role = `audit_writer_${randomBytes(4).toString('hex')}`;
    await db.dataSource.query(`CREATE ROLE ${role} NOLOGIN`);
    const runner = db.dataSource.createQueryRunner();
    try {
      await db.dataSource.query(`GRANT INSERT, SELECT ON user_action_audit_logs TO ${role}`);
      await runner.startTransaction();
      await runner.query(`SET LOCAL ROLE ${role}`);
      // Forced row-level security: the insert must be for the tenant set in this transaction.
      await enterTenant(runner, tenantId);
      const recorded = await recordAuditEvent(runner.manager, sampleEvent(tenantId, 1));
      expect(recorded.chainSequence).toBe('2');
      // ... while the chain table itself stays out of its reach.
      await expect(runner.query(`SELECT 1 FROM user_action_audit_log_chains`)).rejects.toThrow(/permission denied/);
      await runner.rollbackTransaction();
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
      await db.dataSource.query(`REVOKE ALL ON user_action_audit_logs FROM ${role}`);
      await db.dataSource.query(`DROP ROLE ${role}`);
    }
  });
});
