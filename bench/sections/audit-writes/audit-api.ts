import { randomUUID } from 'node:crypto';
import { AuditEvent } from '../../../src/audit';

/**
 * The event the benchmark records: a read of a client record, as the application would log
 * it. The same values go into the plain table's rows (see plainRow), so both sides write the
 * same data.
 */
export function benchAuditEvent(tenantId: string, sequence: number): AuditEvent {
  return {
    tenantId,
    action: 'read',
    entityType: 'client',
    entityId: randomUUID(),
    details: { bench: true, n: sequence },
    requestId: randomUUID(),
    ipAddress: '10.0.0.1',
    userAgent: 'foundation-db bench',
  };
}

/** The event's values by column name, for the plain insert. */
export function plainRow(event: AuditEvent): Record<string, unknown> {
  return {
    tenant_id: event.tenantId,
    action: event.action,
    entity_type: event.entityType,
    entity_id: event.entityId,
    details: JSON.stringify(event.details),
    request_id: event.requestId,
    ip_address: event.ipAddress,
    user_agent: event.userAgent,
    occurred_at: new Date(),
  };
}
