import { seedId } from './seed-id';
import { SeedTenant } from './seed-tenants';
import { SeedWriter } from './seed-writer';

const TABLE = 'user_action_audit_logs';

/**
 * A few audit events per tenant (a login, a read of a client record, an export). The log is append-only and hash-chained by a
 * BEFORE INSERT trigger, which refuses a key already recorded even under ON CONFLICT, so rows
 * are looked up by their fixed ids before being inserted (insertIfMissing). Their time is the
 * database's clock at the first seed: the chain trigger refuses any other (HardenUserActionAuditLog).
 */
export async function seedAuditEvents(writer: SeedWriter, tenant: SeedTenant): Promise<void> {
  const id = (key: string) => seedId(`${tenant.slug}:${key}`);
  const events = [
    { key: 'audit:login', actor: 'user:staff', action: 'login', entityType: 'user', entity: 'user:staff' },
    { key: 'audit:read', actor: 'user:staff', action: 'read', entityType: 'client', entity: 'client:admitted' },
    { key: 'audit:export', actor: 'user:tenant_admin', action: 'export', entityType: 'client', entity: 'client:discharged' },
  ];
  await writer.insertIfMissing(TABLE, ['tenant_id', 'id'], events.map((e) => ({
    tenant_id: tenant.id,
    id: id(e.key),
    actor_user_id: id(e.actor),
    action: e.action,
    entity_type: e.entityType,
    entity_id: id(e.entity),
    details: JSON.stringify({ seeded: true }),
    request_id: `seed-${e.key.replace(':', '-')}`,
  })));
}
