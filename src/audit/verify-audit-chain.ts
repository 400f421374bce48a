import { EntityManager } from 'typeorm';

/** Outcome of walking one tenant's audit chain. */
export type AuditChainVerdict =
  | { intact: true }
  | {
      intact: false;
      /** chain_sequence of the first broken (or first missing) row. */
      sequence: string;
      /** id of that row; null when the row is missing. */
      rowId: string | null;
      /** `changed`, `missing` or `reordered`, sometimes followed by a detail. */
      problem: string;
    };

/**
 * Walks a tenant's audit chain in the database (`verify_audit_log_chain`) from its retention
 * anchor to its head. Reads every row of the tenant: run it from a job or the CLI, not in a
 * request. Only the audit table's owner may call it (it runs as foundation_audit_maintainer,
 * which sees every tenant's rows; no tenant context is needed).
 */
export async function verifyAuditChain(manager: EntityManager, tenantId: string): Promise<AuditChainVerdict> {
  const rows: { sequence_number: string; row_id: string | null; problem: string }[] = await manager.query(
    `SELECT sequence_number, row_id, problem FROM verify_audit_log_chain($1)`,
    [tenantId],
  );
  const [broken] = rows;
  if (!broken) return { intact: true };
  return { intact: false, sequence: String(broken.sequence_number), rowId: broken.row_id, problem: broken.problem };
}

/**
 * Every tenant that has a chain head or audit rows (`list_audit_log_tenants`), for verifying
 * all chains. Read through a function because row-level security hides other tenants' rows
 * even from the tables' owner; like `verifyAuditChain`, it is for the audit table's owner only.
 */
export async function listAuditLogTenants(manager: EntityManager): Promise<string[]> {
  const rows: { tenant_id: string }[] = await manager.query(`SELECT tenant_id FROM list_audit_log_tenants() AS tenant_id`);
  return rows.map((row) => row.tenant_id);
}
