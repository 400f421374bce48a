import { DataSource, QueryRunner } from 'typeorm';
import { recordAuditEvent } from '../../src/audit';
import type { AuditEvent, RecordedAuditEvent } from '../../src/audit';
import { makeTenant } from './factories';
import { enterTenant } from '../../src/database/tenant-context';

/** A new tenant with `count` audit events (alternating actions), returned in chain order. */
export async function tenantWithEvents(dataSource: DataSource, count: number): Promise<{ tenantId: string; events: RecordedAuditEvent[] }> {
  const tenantId = (await dataSource.manager.save(makeTenant())).id;
  const events: RecordedAuditEvent[] = [];
  for (let i = 0; i < count; i++) events.push(await recordAuditEvent(dataSource.manager, sampleEvent(tenantId, i)));
  return { tenantId, events };
}

export function sampleEvent(tenantId: string, i = 0, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    tenantId,
    action: i % 2 === 0 ? 'read' : 'update',
    entityType: 'client',
    entityId: '00000000-0000-4000-8000-00000000000' + (i % 10),
    details: { step: i },
    requestId: `req-${i}`,
    ipAddress: '203.0.113.7',
    userAgent: 'jest',
    ...overrides,
  };
}

/** The audit DDL guard's event triggers (CreateAuditDdlGuard), which a superuser can switch off. */
export const GUARD_EVENT_TRIGGERS = ['foundation_audit_guard_ddl', 'foundation_audit_guard_drop', 'foundation_audit_guard_rewrite'];

/**
 * Switches the audit DDL guard off for the rest of the runner's transaction, when it is
 * installed: what a superuser attacker does first (the guard stops everyone else).
 */
export async function disableDdlGuard(runner: QueryRunner): Promise<void> {
  const installed: { evtname: string }[] = await runner.query(`SELECT evtname FROM pg_event_trigger WHERE evtname = ANY ($1)`, [GUARD_EVENT_TRIGGERS]);
  for (const { evtname } of installed) await runner.query(`ALTER EVENT TRIGGER ${evtname} DISABLE`);
}

async function enableDdlGuard(runner: QueryRunner): Promise<void> {
  const installed: { evtname: string }[] = await runner.query(`SELECT evtname FROM pg_event_trigger WHERE evtname = ANY ($1)`, [GUARD_EVENT_TRIGGERS]);
  for (const { evtname } of installed) await runner.query(`ALTER EVENT TRIGGER ${evtname} ENABLE ALWAYS`);
}

/**
 * Runs `tamper` as the superuser with the audit DDL guard and the audit table's append-only
 * triggers disabled, inside a transaction that commits: what an attacker with full database
 * access could do. Disabling on the partitioned table reaches every partition.
 */
export async function tamperAsSuperuser(dataSource: DataSource, tamper: (runner: QueryRunner) => Promise<void>): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.startTransaction();
  try {
    await disableDdlGuard(runner);
    await runner.query(`ALTER TABLE user_action_audit_logs DISABLE TRIGGER trg_user_action_audit_logs_append_only`);
    await tamper(runner);
    await runner.query(`ALTER TABLE user_action_audit_logs ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_append_only`);
    await enableDdlGuard(runner);
    await runner.commitTransaction();
  } catch (error) {
    await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}

/** A tenant's stored rows in chain order, as a superuser sees them. */
export async function storedChainOf(dataSource: DataSource, tenantId: string): Promise<{ sequence: string; id: string; previousHash: Buffer; rowHash: Buffer }[]> {
  const rows: { chain_sequence: string; id: string; previous_hash: Buffer; row_hash: Buffer }[] = await dataSource.query(
    `SELECT chain_sequence, id, previous_hash, row_hash FROM user_action_audit_logs WHERE tenant_id = $1 ORDER BY chain_sequence, id`,
    [tenantId],
  );
  return rows.map((row) => ({ sequence: String(row.chain_sequence), id: row.id, previousHash: row.previous_hash, rowHash: row.row_hash }));
}

/** A tenant's chain head and anchor, as a superuser sees them; null when there is none. */
export async function chainHeadOf(
  dataSource: DataSource,
  tenantId: string,
): Promise<{ lastSequence: string; lastHash: Buffer; anchorSequence: string; anchorHash: Buffer } | null> {
  const [row] = await dataSource.query(
    `SELECT last_sequence, last_hash, anchor_sequence, anchor_hash FROM user_action_audit_log_chains WHERE tenant_id = $1`,
    [tenantId],
  );
  return row ? { lastSequence: String(row.last_sequence), lastHash: row.last_hash, anchorSequence: String(row.anchor_sequence), anchorHash: row.anchor_hash } : null;
}

/**
 * Inserts `count` events of a tenant dated `occurredAt`, as a superuser importing a historic
 * trail (`foundation.audit_historic_import`): the only way past the clock rule, for tests that
 * need rows old enough for retention.
 */
export async function importHistoricEvents(dataSource: DataSource, tenantId: string, occurredAt: string, count: number): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query(`SET LOCAL foundation.audit_historic_import = on`);
    // The chain trigger runs as the tables' owner, which forced row-level security binds unless it is a superuser.
    await enterTenant(manager, tenantId);
    await manager.query(
      `INSERT INTO user_action_audit_logs (tenant_id, occurred_at, action, entity_type)
       SELECT $1, $2::timestamptz, 'read', 'client' FROM generate_series(1, $3::int)`,
      [tenantId, occurredAt, count],
    );
  });
}

/** Creates the monthly partition holding `at` (UTC) by hand, protected like upkeep's own; returns its name. */
export async function createMonthPartition(dataSource: DataSource, at: string): Promise<string> {
  const [{ name, from, to }] = await dataSource.query(
    `SELECT 'user_action_audit_logs_y' || to_char(m, 'YYYY') || 'm' || to_char(m, 'MM') AS name,
            (m AT TIME ZONE 'UTC')::text AS from, ((m + interval '1 month') AT TIME ZONE 'UTC')::text AS to
     FROM (SELECT date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC') AS m) s`,
    [at],
  );
  await dataSource.query(`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF user_action_audit_logs FOR VALUES FROM ('${from}') TO ('${to}')`);
  await dataSource.query(`SELECT protect_audit_log_partition('${name}')`);
  return name;
}
