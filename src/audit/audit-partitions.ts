import { EntityManager } from 'typeorm';

export interface PartitionOutcome {
  /** `user_action_audit_logs` or `system_audit_log`. */
  table: string;
  partitionName: string;
  /** `created`, `exists`, or `skipped: ...` when the month's rows already sit in the default partition. */
  outcome: string;
}

/**
 * Creates the monthly partitions of both audit logs for the current UTC month and `monthsAhead`
 * more (`create_audit_log_partitions`, `create_system_audit_log_partitions`), idempotently. The
 * default partitions refuse every row, so an event in a month without a partition is refused:
 * run this monthly, ahead of time (`npm run audit-log -- partitions`). Needs the tables' owner.
 */
export async function ensureAuditPartitions(manager: EntityManager, monthsAhead = 3): Promise<PartitionOutcome[]> {
  const outcomes: PartitionOutcome[] = [];
  for (const [table, fn] of [
    ['user_action_audit_logs', 'create_audit_log_partitions'],
    ['system_audit_log', 'create_system_audit_log_partitions'],
  ] as const) {
    const rows: { partition_name: string; outcome: string }[] = await manager.query(`SELECT partition_name, outcome FROM ${fn}($1)`, [monthsAhead]);
    outcomes.push(...rows.map((row) => ({ table, partitionName: row.partition_name, outcome: row.outcome })));
  }
  return outcomes;
}

export interface RetentionOutcome {
  table: string;
  partitionName: string;
  /** `dropped`, or `kept: <why>`. */
  outcome: string;
}

/**
 * The retention path, the only way audit rows are ever removed, for both logs: drops whole
 * monthly partitions that ended before now() - retention (PostgreSQL interval text, at least
 * '6 years'), once they hold, for every chain, its oldest whole part; moves the chains' anchors
 * first and records each drop in the system audit log. Needs the tables' owner.
 */
export async function applyAuditRetention(manager: EntityManager, retention = '6 years'): Promise<RetentionOutcome[]> {
  const outcomes: RetentionOutcome[] = [];
  for (const [table, fn] of [
    ['user_action_audit_logs', 'apply_audit_log_retention'],
    ['system_audit_log', 'apply_system_audit_log_retention'],
  ] as const) {
    const rows: { partition_name: string; outcome: string }[] = await manager.query(`SELECT partition_name, outcome FROM ${fn}($1::interval)`, [retention]);
    outcomes.push(...rows.map((row) => ({ table, partitionName: row.partition_name, outcome: row.outcome })));
  }
  return outcomes;
}

/** The user-action log's partitions dropped by retention (the names only). */
export async function dropExpiredAuditPartitions(manager: EntityManager, retention = '6 years'): Promise<string[]> {
  return (await applyAuditRetention(manager, retention)).filter((o) => o.table === 'user_action_audit_logs' && o.outcome === 'dropped').map((o) => o.partitionName);
}
