import { EntityManager } from 'typeorm';

export interface PartitionOutcome {
  partitionName: string;
  /** `created`, `exists`, or `skipped: ...` when the month's rows already sit in the default partition. */
  outcome: string;
}

/**
 * Creates the monthly partitions of the audit log for the current UTC month and `monthsAhead`
 * more (`create_audit_log_partitions`), idempotently. Needs the table owner's rights: run it
 * from a scheduled job or `npm run audit-log -- partitions`, not as the application role.
 */
export async function ensureAuditPartitions(manager: EntityManager, monthsAhead = 3): Promise<PartitionOutcome[]> {
  const rows: { partition_name: string; outcome: string }[] = await manager.query(
    `SELECT partition_name, outcome FROM create_audit_log_partitions($1)`,
    [monthsAhead],
  );
  return rows.map((row) => ({ partitionName: row.partition_name, outcome: row.outcome }));
}

/**
 * The retention path, the only way audit rows are ever removed: drops whole monthly partitions
 * that ended before now() - retention (PostgreSQL interval text, at least '6 years'). Needs the
 * table owner's rights. Returns the names of the dropped partitions.
 */
export async function dropExpiredAuditPartitions(manager: EntityManager, retention = '6 years'): Promise<string[]> {
  const rows: { name: string }[] = await manager.query(
    `SELECT name FROM drop_expired_audit_log_partitions($1::interval) AS name`,
    [retention],
  );
  return rows.map((row) => row.name);
}
