// A care-placement request as the application service makes it, from the installed package:
// read the tenant's data under withTenant, record in the audit log that it did, in one transaction.
import type { EntityManager } from 'typeorm';
import { type AuditEvent, Client, createApplicationDataSource, recordAuditEvent, Tenant, withTenant } from 'foundation-db';

async function listClients(manager: EntityManager, tenantId: string, requestId: string) {
  const tenants = await manager.find(Tenant);
  const clients = await manager.find(Client);
  const event: AuditEvent = { tenantId, action: 'read', entityType: 'client', details: { listed: clients.length }, requestId };
  const recorded = await recordAuditEvent(manager, event);
  return {
    visibleTenants: tenants.map((tenant) => tenant.id),
    clients: clients.length,
    auditEventId: recorded.id,
    chainSequence: recorded.chainSequence,
  };
}

const url = process.env['DATABASE_URL'];
const tenantId = process.env['TENANT_ID'];
if (!url || !tenantId) throw new Error('DATABASE_URL and TENANT_ID are required');

// The application's login; every pooled session runs as foundation_app (the default appRole).
// FOUNDATION_TENANT_CONTEXT_KEY signs withTenant's proofs.
const db = createApplicationDataSource({ url, poolSize: 2, statementTimeoutMs: 5_000 });
await db.initialize();
try {
  const result = await withTenant(db, tenantId, (manager) => listClients(manager, tenantId, 'scratch-request-1'));
  const [session] = await db.query('SELECT current_user AS role');
  console.log(JSON.stringify({ ...result, sessionRole: session.role }));
} finally {
  await db.destroy();
}
