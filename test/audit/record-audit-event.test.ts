import { InvalidAuditEventError, recordAuditEvent } from '../../src/audit';
import { User } from '../../src/entities';
import { sampleEvent } from '../support/audit';
import { makeTenant, makeUser } from '../support/factories';
import { outcomeOf } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('recordAuditEvent', () => {
  const db = useTestDatabase();
  let tenantId: string;

  beforeAll(async () => {
    tenantId = (await db.dataSource.manager.save(makeTenant())).id;
  });

  it('stores the event as given and returns what the database assigned', async () => {
    const actor = await db.dataSource.manager.save(makeUser(tenantId));
    const recorded = await recordAuditEvent(db.dataSource.manager, {
      tenantId,
      actorUserId: actor.id,
      action: 'export',
      entityType: 'client',
      entityId: '11111111-1111-4111-8111-111111111111',
      details: { format: 'pdf', fields: ['name', 'dateOfBirth'] },
      requestId: 'req-abc',
      ipAddress: '2001:db8::1',
      userAgent: 'Mozilla/5.0',
    });
    expect(recorded.chainSequence).toBe('1');
    const [row] = await db.dataSource.query(
      `SELECT actor_user_id, action, entity_type, entity_id, details, request_id, host(ip_address) AS ip, user_agent, occurred_at
       FROM user_action_audit_logs WHERE tenant_id = $1 AND id = $2`,
      [tenantId, recorded.id],
    );
    expect(row).toEqual({
      actor_user_id: actor.id,
      action: 'export',
      entity_type: 'client',
      entity_id: '11111111-1111-4111-8111-111111111111',
      details: { format: 'pdf', fields: ['name', 'dateOfBirth'] },
      request_id: 'req-abc',
      ip: '2001:db8::1',
      user_agent: 'Mozilla/5.0',
      occurred_at: recorded.occurredAt,
    });
  });

  it('refuses a malformed event before the database, listing every problem', async () => {
    const error = await recordAuditEvent(
      db.dataSource.manager,
      sampleEvent(tenantId, 0, { action: 'hack' as never, entityType: 'Client Record', ipAddress: 'not-an-ip' }),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidAuditEventError);
    expect((error as InvalidAuditEventError).problems).toHaveLength(3);
  });

  it('keeps the actor id after the user is gone (no foreign key, nothing to update)', async () => {
    const actor = await db.dataSource.manager.save(makeUser(tenantId));
    const recorded = await recordAuditEvent(db.dataSource.manager, sampleEvent(tenantId, 0, { actorUserId: actor.id }));
    expect(await outcomeOf(() => db.dataSource.getRepository(User).delete({ tenantId, id: actor.id }))).toBe('accepted');
    const [row] = await db.dataSource.query(
      `SELECT actor_user_id FROM user_action_audit_logs WHERE tenant_id = $1 AND id = $2`,
      [tenantId, recorded.id],
    );
    expect(row.actor_user_id).toBe(actor.id);
  });

  it('rolls back with the transaction it was recorded in', async () => {
    const before = await db.dataSource.query(`SELECT count(*)::int AS n FROM user_action_audit_logs WHERE tenant_id = $1`, [tenantId]);
    // Only the test's own failure may end the transaction: a failing recordAuditEvent would
    // leave the count unchanged too, and must not pass for a rollback.
    await expect(
      db.dataSource.transaction(async (manager) => {
        await recordAuditEvent(manager, sampleEvent(tenantId));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const after = await db.dataSource.query(`SELECT count(*)::int AS n FROM user_action_audit_logs WHERE tenant_id = $1`, [tenantId]);
    expect(after).toEqual(before);
  });
});
