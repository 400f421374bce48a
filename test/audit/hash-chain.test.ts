import { randomBytes } from 'node:crypto';
import { enterTenant } from '../../src/database/tenant-context';
import { recordAuditEvent, verifyAuditChain, verifyAuditLogs } from '../../src/audit';
import type { ChainProblem } from '../../src/audit';
import { sampleEvent, tamperAsSuperuser, tenantWithEvents } from '../support/audit';
import { useTestDatabase } from '../support/test-database';

/** The problems, without their wording: kind, first (and last) sequence, and the row. */
const brief = (problems: ChainProblem[]) =>
  problems.map(({ kind, sequence, lastSequence, rowId }) => ({ kind, sequence, ...(lastSequence ? { lastSequence } : {}), rowId }));

const REHASH = `UPDATE user_action_audit_logs l
  SET row_hash = audit_log_row_hash(l.previous_hash, l.tenant_id, l.id, l.chain_sequence, l.occurred_at,
    l.actor_user_id, l.action, l.entity_type, l.entity_id, l.details, l.request_id, l.ip_address, l.user_agent)
  WHERE tenant_id = $1 AND id = $2`;

/**
 * Verification against the chain itself (no checkpoints here; see checkpoints.test.ts): each
 * case tampers with its own tenant's chain as a superuser who switched the guard and the
 * triggers off, and every problem is reported with its row and reason, never just the first.
 */
describe('the audit hash chain shows tampering, every problem with its row and reason', () => {
  const db = useTestDatabase();

  it('an untouched chain verifies, and links each row to the one before', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 5);
    expect(events.map((event) => event.chainSequence)).toEqual(['1', '2', '3', '4', '5']);
    expect(await verifyAuditChain(db.dataSource.manager, tenantId)).toMatchObject({ intact: true, rows: 5, problems: [] });

    const rows: { previous_hash: Buffer; row_hash: Buffer }[] = await db.dataSource.query(
      `SELECT previous_hash, row_hash FROM user_action_audit_logs WHERE tenant_id = $1 ORDER BY chain_sequence`,
      [tenantId],
    );
    expect(rows[0]!.previous_hash.equals(Buffer.alloc(32))).toBe(true);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.previous_hash.equals(rows[i - 1]!.row_hash)).toBe(true);
    const [head] = await db.dataSource.query(`SELECT last_sequence, last_hash FROM user_action_audit_log_chains WHERE tenant_id = $1`, [tenantId]);
    expect(head.last_sequence).toBe('5');
    expect(head.last_hash.equals(rows[4]!.row_hash)).toBe(true);
  });

  it('chains are per tenant: another tenant starts at 1', async () => {
    const first = await tenantWithEvents(db.dataSource, 2);
    const second = await tenantWithEvents(db.dataSource, 1);
    expect(second.events[0]!.chainSequence).toBe('1');
    expect(await verifyAuditChain(db.dataSource.manager, first.tenantId)).toMatchObject({ intact: true });
  });

  it('an edited row is reported as changed', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 5);
    await tamperAsSuperuser(db.dataSource, (runner) =>
      runner.query(`UPDATE user_action_audit_logs SET details = '{"step": 99}' WHERE tenant_id = $1 AND id = $2`, [tenantId, events[2]!.id]),
    );
    const report = await verifyAuditChain(db.dataSource.manager, tenantId);
    expect(brief(report.problems)).toEqual([{ kind: 'changed', sequence: '3', rowId: events[2]!.id }]);
    expect(report.problems[0]!.detail).toContain('no longer match its hash');
  });

  it('an edited row whose hash was recomputed is still reported as changed (the next row links to its old hash)', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 5);
    await tamperAsSuperuser(db.dataSource, async (runner) => {
      await runner.query(`UPDATE user_action_audit_logs SET actor_user_id = gen_random_uuid() WHERE tenant_id = $1 AND id = $2`, [tenantId, events[1]!.id]);
      await runner.query(REHASH, [tenantId, events[1]!.id]);
    });
    const report = await verifyAuditChain(db.dataSource.manager, tenantId);
    expect(brief(report.problems)).toEqual([{ kind: 'changed', sequence: '2', rowId: events[1]!.id }]);
    expect(report.problems[0]!.detail).toContain('re-hashed');
  });

  it('a deleted row is reported as missing', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 5);
    await tamperAsSuperuser(db.dataSource, (runner) => runner.query(`DELETE FROM user_action_audit_logs WHERE tenant_id = $1 AND id = $2`, [tenantId, events[1]!.id]));
    expect(brief((await verifyAuditChain(db.dataSource.manager, tenantId)).problems)).toEqual([{ kind: 'missing', sequence: '2', rowId: null }]);
  });

  it('deleting the latest rows is one missing range; deleting the first is missing too', async () => {
    const latest = await tenantWithEvents(db.dataSource, 4);
    await tamperAsSuperuser(db.dataSource, (runner) => runner.query(`DELETE FROM user_action_audit_logs WHERE tenant_id = $1 AND chain_sequence >= 3`, [latest.tenantId]));
    expect(brief((await verifyAuditChain(db.dataSource.manager, latest.tenantId)).problems)).toEqual([{ kind: 'missing', sequence: '3', lastSequence: '4', rowId: null }]);

    const first = await tenantWithEvents(db.dataSource, 3);
    await tamperAsSuperuser(db.dataSource, (runner) => runner.query(`DELETE FROM user_action_audit_logs WHERE tenant_id = $1 AND chain_sequence = 1`, [first.tenantId]));
    expect(brief((await verifyAuditChain(db.dataSource.manager, first.tenantId)).problems)).toEqual([{ kind: 'missing', sequence: '1', rowId: null }]);
  });

  it('two rows swapped in the chain are both reported as reordered, with where each was recorded', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 5);
    await tamperAsSuperuser(db.dataSource, (runner) =>
      runner.query(
        `UPDATE user_action_audit_logs SET chain_sequence = CASE chain_sequence WHEN 3 THEN 4 ELSE 3 END
         WHERE tenant_id = $1 AND chain_sequence IN (3, 4)`,
        [tenantId],
      ),
    );
    const report = await verifyAuditChain(db.dataSource.manager, tenantId);
    expect(brief(report.problems)).toEqual([
      { kind: 'reordered', sequence: '3', rowId: events[3]!.id },
      { kind: 'reordered', sequence: '4', rowId: events[2]!.id },
    ]);
    expect(report.problems.map((p) => p.detail)).toEqual([expect.stringContaining('recorded at sequence 4'), expect.stringContaining('recorded at sequence 3')]);
  });

  it('a forged row is reported as forged, not as a change of the intact row before it', async () => {
    // Appended at the end with a made-up link, as an INSERT with the chain trigger switched off.
    const appended = await tenantWithEvents(db.dataSource, 3);
    const forgedId = '0f0f0f0f-0000-4000-8000-000000000001';
    await tamperAsSuperuser(db.dataSource, async (runner) => {
      await runner.query(`ALTER TABLE user_action_audit_logs DISABLE TRIGGER trg_user_action_audit_logs_chain`);
      await runner.query(
        `INSERT INTO user_action_audit_logs (tenant_id, id, action, entity_type, chain_sequence, previous_hash, row_hash)
         VALUES ($1, $2, 'delete', 'client', 4, $3, $3)`,
        [appended.tenantId, forgedId, randomBytes(32)],
      );
      await runner.query(`ALTER TABLE user_action_audit_logs ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_chain`);
    });
    const report = await verifyAuditChain(db.dataSource.manager, appended.tenantId);
    expect(brief(report.problems)).toEqual([{ kind: 'forged', sequence: '4', rowId: forgedId }]);
    expect(report.problems.every((p) => p.rowId !== appended.events[2]!.id)).toBe(true);

    // A second row at a sequence the chain already has.
    const duplicated = await tenantWithEvents(db.dataSource, 4);
    const duplicateId = '0f0f0f0f-0000-4000-8000-000000000002';
    await tamperAsSuperuser(db.dataSource, async (runner) => {
      await runner.query(`ALTER TABLE user_action_audit_logs DISABLE TRIGGER trg_user_action_audit_logs_chain`);
      await runner.query(
        `INSERT INTO user_action_audit_logs (tenant_id, id, action, entity_type, chain_sequence, previous_hash, row_hash)
         SELECT tenant_id, $2, 'delete', 'client', 3, previous_hash, $3 FROM user_action_audit_logs WHERE tenant_id = $1 AND chain_sequence = 3`,
        [duplicated.tenantId, duplicateId, randomBytes(32)],
      );
      await runner.query(`ALTER TABLE user_action_audit_logs ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_chain`);
    });
    expect(brief((await verifyAuditChain(db.dataSource.manager, duplicated.tenantId)).problems)).toEqual([{ kind: 'forged', sequence: '3', rowId: duplicateId }]);
  });

  it('the chain head must not be removed, nor moved back', async () => {
    const removed = await tenantWithEvents(db.dataSource, 2);
    await db.dataSource.query(`DELETE FROM user_action_audit_log_chains WHERE tenant_id = $1`, [removed.tenantId]);
    expect(brief((await verifyAuditChain(db.dataSource.manager, removed.tenantId)).problems)).toEqual([{ kind: 'head', sequence: '1', rowId: null }]);

    const rewound = await tenantWithEvents(db.dataSource, 4);
    await db.dataSource.query(
      `UPDATE user_action_audit_log_chains c SET last_sequence = 2, last_hash = l.row_hash
       FROM user_action_audit_logs l WHERE c.tenant_id = $1 AND l.tenant_id = $1 AND l.chain_sequence = 2`,
      [rewound.tenantId],
    );
    expect(brief((await verifyAuditChain(db.dataSource.manager, rewound.tenantId)).problems)).toEqual([{ kind: 'head', sequence: '3', lastSequence: '4', rowId: null }]);
  });

  it('every problem of every chain is reported, not only the first', async () => {
    const one = await tenantWithEvents(db.dataSource, 8);
    const two = await tenantWithEvents(db.dataSource, 3);
    await tamperAsSuperuser(db.dataSource, async (runner) => {
      await runner.query(`UPDATE user_action_audit_logs SET entity_type = 'facility' WHERE tenant_id = $1 AND id = $2`, [one.tenantId, one.events[1]!.id]);
      await runner.query(`DELETE FROM user_action_audit_logs WHERE tenant_id = $1 AND chain_sequence IN (4, 5)`, [one.tenantId]);
      await runner.query(`UPDATE user_action_audit_logs SET user_agent = 'edited' WHERE tenant_id = $1 AND id = $2`, [one.tenantId, one.events[6]!.id]);
      await runner.query(`UPDATE user_action_audit_logs SET details = '{}' WHERE tenant_id = $1 AND id = $2`, [two.tenantId, two.events[0]!.id]);
    });
    const report = await verifyAuditLogs(db.dataSource.manager, { history: null, logs: ['user_action'], chains: [one.tenantId, two.tenantId] });
    expect(report.intact).toBe(false);
    const byChain = Object.fromEntries(report.chains.map((chain) => [chain.chain, brief(chain.problems)]));
    expect(byChain[one.tenantId]).toEqual([
      { kind: 'changed', sequence: '2', rowId: one.events[1]!.id },
      { kind: 'missing', sequence: '4', lastSequence: '5', rowId: null },
      { kind: 'changed', sequence: '7', rowId: one.events[6]!.id },
    ]);
    expect(byChain[two.tenantId]).toEqual([{ kind: 'changed', sequence: '1', rowId: two.events[0]!.id }]);
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
