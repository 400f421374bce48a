import { tenantWithEvents } from '../support/audit';
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
