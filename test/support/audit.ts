import { DataSource, QueryRunner } from 'typeorm';
import { recordAuditEvent } from '../../src/audit';
import type { AuditEvent, RecordedAuditEvent } from '../../src/audit';
import { makeTenant } from './factories';

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

/**
 * Runs `tamper` as the superuser with the audit table's append-only triggers disabled, inside
 * a transaction that commits: what an attacker with full database access could do. Disabling
 * on the partitioned table reaches every partition.
 */
export async function tamperAsSuperuser(dataSource: DataSource, tamper: (runner: QueryRunner) => Promise<void>): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.startTransaction();
  try {
    await runner.query(`ALTER TABLE user_action_audit_logs DISABLE TRIGGER trg_user_action_audit_logs_append_only`);
    await tamper(runner);
    await runner.query(`ALTER TABLE user_action_audit_logs ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_append_only`);
    await runner.commitTransaction();
  } catch (error) {
    await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}
