import { validate } from 'class-validator';
import { EntityManager } from 'typeorm';
import { UserActionAuditLog } from '../entities/user-action-audit-log.entity';
import { AuditEvent, InvalidAuditEventError, RecordedAuditEvent } from './audit-event';

/**
 * Records one audit event through `manager` (use the request's transaction manager, so the
 * event commits or rolls back with the change it describes).
 *
 * The insert locks the tenant's chain head until the transaction ends (that is what keeps
 * the chain from forking), so other events of the same tenant wait for it: make it the last
 * statement of the transaction. The event is checked with the entity's class-validator rules
 * first, so a malformed event fails with every reason instead of the database's first one.
 */
export async function recordAuditEvent(manager: EntityManager, event: AuditEvent): Promise<RecordedAuditEvent> {
  const row = Object.assign(new UserActionAuditLog(), {
    tenantId: event.tenantId,
    actorUserId: event.actorUserId ?? null,
    action: event.action,
    entityType: event.entityType,
    entityId: event.entityId ?? null,
    details: event.details ?? {},
    requestId: event.requestId ?? null,
    ipAddress: event.ipAddress ?? null,
    userAgent: event.userAgent ?? null,
  });
  const errors = await validate(row, { skipMissingProperties: false });
  const problems = errors
    .filter((error) => !['id', 'occurredAt', 'chainSequence', 'previousHash', 'rowHash'].includes(error.property))
    .flatMap((error) => Object.values(error.constraints ?? {}));
  if (problems.length > 0) throw new InvalidAuditEventError(problems);

  const rows: { id: string; occurred_at: Date; chain_sequence: string }[] = await manager.query(
    `INSERT INTO user_action_audit_logs
       (tenant_id, actor_user_id, action, entity_type, entity_id, details, request_id, ip_address, user_agent)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     RETURNING id, occurred_at, chain_sequence`,
    [
      row.tenantId,
      row.actorUserId,
      row.action,
      row.entityType,
      row.entityId,
      JSON.stringify(row.details),
      row.requestId,
      row.ipAddress,
      row.userAgent,
    ],
  );
  const [recorded] = rows;
  if (!recorded) throw new Error('INSERT ... RETURNING gave no row');
  return { id: recorded.id, occurredAt: recorded.occurred_at, chainSequence: String(recorded.chain_sequence) };
}
