import { EntityManager } from 'typeorm';
import { CheckpointHistory } from './checkpoints/checkpoint-history';
import { ChainReport, verifyAuditLogs } from './verify/verify-audit-logs';

/**
 * Verifies one tenant's chain of the user-action audit log and reports every problem of it
 * (verify/verify-audit-logs.ts): against the given checkpoints, or, without them, against
 * itself only (which a consistent rewrite by the tables' owner would pass). A tenant with no
 * events is intact with no rows. Only the audit tables' owner or a login granted
 * foundation_audit_reader may call it; no tenant context is needed.
 */
export async function verifyAuditChain(manager: EntityManager, tenantId: string, history: CheckpointHistory | null = null): Promise<ChainReport> {
  const report = await verifyAuditLogs(manager, { history, logs: ['user_action'], chains: [tenantId] });
  return (
    report.chains[0] ?? {
      log: 'user_action',
      chain: tenantId,
      intact: true,
      rows: 0,
      head: null,
      anchor: null,
      checkpoint: null,
      uncheckpointedRows: '0',
      problems: [],
    }
  );
}

/**
 * Every tenant that has a chain head or audit rows (`list_audit_log_tenants`). Read through a
 * function because row-level security hides other tenants' rows even from the tables' owner.
 */
export async function listAuditLogTenants(manager: EntityManager): Promise<string[]> {
  const rows: { tenant_id: string }[] = await manager.query(`SELECT tenant_id FROM list_audit_log_tenants() AS tenant_id`);
  return rows.map((row) => row.tenant_id);
}
