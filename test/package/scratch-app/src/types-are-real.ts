// Compiled with the application: proves the package's declarations are real types, not `any`.
// Each @ts-expect-error fails the type check if the line below it stops being an error.
import { type AuditEvent, createApplicationDataSource, withTenant } from 'foundation-db';

const db = createApplicationDataSource({ url: 'postgres://app@localhost/app' });

// @ts-expect-error: 'erase' is not one of the audit log's actions
export const badAction: AuditEvent = { tenantId: 'x', action: 'erase', entityType: 'client' };

// @ts-expect-error: the pool size is a number
createApplicationDataSource({ url: 'postgres://app@localhost/app', poolSize: 'ten' });

// @ts-expect-error: withTenant's callback receives an EntityManager, which has no `tenantId`
export const wrong = withTenant(db, 'x', async (manager) => manager.tenantId);
