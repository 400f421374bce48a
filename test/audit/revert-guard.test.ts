import { recordKeyEvent, recordMigrationEvent } from '../../src/audit';
import { disableDdlGuard, tenantWithEvents } from '../support/audit';
import { outcomeOf } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

/**
 * Reverting the audit migrations would drop six years of audit rows; their `down` refuses
 * while any row (or chain head) exists. The revert-all test shows they revert when empty.
 */
describe('the audit migrations refuse to revert over recorded events', () => {
  const db = useTestDatabase();

  it.each(['CreateAuditLogChains1754250026000', 'CreateUserActionAuditLogs1754250025000'])('%s', async (name) => {
    await tenantWithEvents(db.dataSource, 1);
    const migration = db.dataSource.migrations.find((m) => m.name === name);
    expect(migration).toBeDefined();
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      expect(await outcomeOf(() => migration!.down(runner))).toContain('refusing to revert');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    const [row] = await db.dataSource.query(`SELECT count(*)::int AS n FROM user_action_audit_logs`);
    expect(row.n).toBeGreaterThan(0);
  });
});

describe('CreateSystemAuditLog refuses to revert over recorded platform events, not over migration records', () => {
  const db = useTestDatabase();

  async function revertOutcome(): Promise<string> {
    const migration = db.dataSource.migrations.find((m) => m.name === 'CreateSystemAuditLog1754250060000')!;
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      // Only this migration's own down, in the middle of the chain: the later ones' objects and
      // the DDL guard are out of the way for the length of the (rolled back) transaction.
      await disableDdlGuard(runner);
      for (const later of ['CreateAuditDdlGuard1754250064000', 'RecordPlatformEvents1754250063000', 'CreateAuditChainReading1754250062000', 'HardenUserActionAuditLog1754250061000']) {
        await db.dataSource.migrations.find((m) => m.name === later)!.down(runner);
      }
      return await outcomeOf(() => migration.down(runner));
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  it('reverts with migration records only, refuses once another event is recorded', async () => {
    // The template database already holds the runner's records of the migrations applied after
    // CreateSystemAuditLog (its own included): migration records only.
    const [before] = await db.dataSource.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE stream <> 'migrations')::int AS others FROM system_audit_log`,
    );
    expect(before.n).toBeGreaterThanOrEqual(10);
    expect(before.others).toBe(0);
    await recordMigrationEvent(db.dataSource.manager, { action: 'run', name: 'CreateTenants1754250020000', checksum: 'b'.repeat(64) });
    expect(await revertOutcome()).toBe('accepted');
    await recordKeyEvent(db.dataSource.manager, { action: 'rotate', keyId: 'k1' });
    expect(await revertOutcome()).toContain('refusing to revert: system_audit_log holds audit rows other than migration records');
    const [row] = await db.dataSource.query(`SELECT count(*)::int AS n FROM system_audit_log`);
    expect(row.n).toBe(before.n + 2);
  });
});
