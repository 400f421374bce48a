import { tenantWithEvents } from '../support/audit';
import { useTestDatabase } from '../support/test-database';

/**
 * The three questions auditors ask have an index each. Sequential scans are switched off so
 * the plan shows which index can answer, whatever the (tiny) table's statistics say.
 */
describe('audit log queries use their indexes', () => {
  const db = useTestDatabase();
  let tenantId: string;

  beforeAll(async () => {
    ({ tenantId } = await tenantWithEvents(db.dataSource, 20));
    await db.dataSource.query('ANALYZE user_action_audit_logs');
  });

  /** Indexes PostgreSQL made on the partitions from one index of the partitioned table. */
  async function partitionIndexes(parentIndex: string): Promise<string[]> {
    const rows: { name: string }[] = await db.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = $1::regclass`,
      [parentIndex],
    );
    expect(rows.length).toBeGreaterThanOrEqual(5); // default, current month, three ahead
    return rows.map((row) => row.name);
  }

  /** Every partition is read through `parentIndex`'s copies, in order, with no Sort node. */
  async function expectServedBy(sql: string, parentIndex: string, backward = false): Promise<void> {
    const text = await plan(sql);
    const scans = text.match(/Index Scan( Backward)? using \S+/g) ?? [];
    const allowed = await partitionIndexes(parentIndex);
    expect(scans.length).toBeGreaterThanOrEqual(5);
    for (const scan of scans) {
      expect(allowed).toContain(scan.split(' ').pop());
      expect(scan.includes('Backward')).toBe(backward);
    }
    expect(text).not.toMatch(/(^|->\s+)Sort\s+\(/m);
    expect(text).not.toMatch(/Seq Scan/);
  }

  async function plan(sql: string): Promise<string> {
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query('SET LOCAL enable_seqscan = off');
      const rows: { 'QUERY PLAN': string }[] = await runner.query(`EXPLAIN ${sql}`, [tenantId]);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  it("a tenant's latest events: the primary key (tenant_id, occurred_at, id), read backwards", () =>
    expectServedBy(
      `SELECT * FROM user_action_audit_logs WHERE tenant_id = $1 ORDER BY occurred_at DESC LIMIT 50`,
      'pk_user_action_audit_logs',
      true,
    ));

  it('everything about one record: ix_user_action_audit_logs_entity', () =>
    expectServedBy(
      `SELECT * FROM user_action_audit_logs WHERE tenant_id = $1 AND entity_type = 'client'
         AND entity_id = '00000000-0000-4000-8000-000000000001' ORDER BY occurred_at`,
      'ix_user_action_audit_logs_entity',
    ));

  it('everything one user did: ix_user_action_audit_logs_actor', () =>
    expectServedBy(
      `SELECT * FROM user_action_audit_logs WHERE tenant_id = $1
         AND actor_user_id = '00000000-0000-4000-8000-000000000001' ORDER BY occurred_at`,
      'ix_user_action_audit_logs_actor',
    ));
});
