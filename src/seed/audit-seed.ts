import { seedId } from './seed-id';
import { SeedTenant } from './seed-tenants';
import { SeedWriter } from './seed-writer';

const TABLE = 'user_action_audit_logs';

/**
 * A few audit events per tenant (a login, a read of a client record, an export), at fixed past
 * times, only when the audit log exists (a later migration adds it). The log is append-only
 * and hash-chained by a BEFORE INSERT trigger, so rows are looked up before being inserted
 * (insertIfMissing) rather than inserted with ON CONFLICT, which would advance the chain for
 * a discarded row. The chain columns are left to that trigger.
 */
export async function seedAuditEvents(writer: SeedWriter, tenant: SeedTenant): Promise<boolean> {
  if (!(await writer.tableExists(TABLE))) return false;
  const id = (key: string) => seedId(`${tenant.slug}:${key}`);
  const events = [
    { key: 'audit:login', at: '2025-02-03T08:00:00Z', actor: 'user:staff', action: 'login', entityType: 'user', entity: 'user:staff' },
    { key: 'audit:read', at: '2025-02-03T08:05:00Z', actor: 'user:staff', action: 'read', entityType: 'client', entity: 'client:admitted' },
    { key: 'audit:export', at: '2025-02-03T09:30:00Z', actor: 'user:tenant_admin', action: 'export', entityType: 'client', entity: 'client:discharged' },
  ];
  await writer.insertIfMissing(TABLE, ['tenant_id', 'occurred_at', 'id'], events.map((e) => ({
    tenant_id: tenant.id,
    id: id(e.key),
    occurred_at: e.at,
    actor_user_id: id(e.actor),
    action: e.action,
    entity_type: e.entityType,
    entity_id: id(e.entity),
    details: JSON.stringify({ seeded: true }),
    request_id: `seed-${e.key.replace(':', '-')}`,
  })));
  return true;
}
