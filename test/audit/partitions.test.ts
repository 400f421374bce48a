import { dropExpiredAuditPartitions, ensureAuditPartitions, recordAuditEvent, verifyAuditChain } from '../../src/audit';
import { sampleEvent, tenantWithEvents } from '../support/audit';
import { outcomeOf } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

/** Monthly partitions: created ahead, never blocking an insert, dropped only by retention. */
describe('audit log partitions', () => {
  const db = useTestDatabase();

  /** Partition names for the current UTC month (per the database's clock) and `ahead` more. */
  async function expectedNames(ahead: number): Promise<string[]> {
    const rows: { name: string }[] = await db.dataSource.query(
      `SELECT 'user_action_audit_logs_' || to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i), '"y"YYYY"m"MM') AS name
       FROM generate_series(0, $1::int) AS i ORDER BY i`,
      [ahead],
    );
    return rows.map((row) => row.name);
  }

  async function partitions(): Promise<string[]> {
    const rows: { name: string }[] = await db.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'user_action_audit_logs'::regclass ORDER BY 1`,
    );
    return rows.map((row) => row.name);
  }

  it('after migrating, the current month and the next three have partitions, plus the default', async () => {
    const names = await partitions();
    for (const name of await expectedNames(3)) expect(names).toContain(name);
    expect(names).toContain('user_action_audit_logs_default');
  });

  it('a new event lands in the current month, not the default partition', async () => {
    const { tenantId } = await tenantWithEvents(db.dataSource, 1);
    const [row] = await db.dataSource.query(
      `SELECT tableoid::regclass::text AS partition FROM user_action_audit_logs WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(row.partition).toBe((await expectedNames(0))[0]);
  });

  it('ensureAuditPartitions is idempotent and creates further months on demand', async () => {
    const wanted = await expectedNames(5);
    const outcomes = await ensureAuditPartitions(db.dataSource.manager, 5);
    expect(outcomes.map((o) => o.partitionName)).toEqual(wanted);
    expect(outcomes.slice(0, 4).map((o) => o.outcome)).toEqual(['exists', 'exists', 'exists', 'exists']);
    expect(outcomes.slice(4).map((o) => o.outcome)).toEqual(['created', 'created']);
    expect((await ensureAuditPartitions(db.dataSource.manager, 5)).every((o) => o.outcome === 'exists')).toBe(true);
  });

  it('an event beyond every partition goes to the default partition; that month is then skipped, not failed', async () => {
    const { tenantId } = await tenantWithEvents(db.dataSource, 0);
    const runner = db.dataSource.createQueryRunner();
    try {
      // An explicit time ten months ahead, past every partition created so far.
      const [row] = await runner.query(
        `INSERT INTO user_action_audit_logs (tenant_id, action, entity_type, occurred_at)
         VALUES ($1, 'read', 'client', date_trunc('month', now()) + interval '10 months' + interval '3 days')
         RETURNING tableoid::regclass::text AS partition`,
        [tenantId],
      );
      expect(row.partition).toBe('user_action_audit_logs_default');
    } finally {
      await runner.release();
    }
    const outcomes = await ensureAuditPartitions(db.dataSource.manager, 11);
    const tenth = outcomes[10]!;
    expect(tenth.outcome).toMatch(/^skipped: 1 rows .* user_action_audit_logs_default/);
    expect(outcomes[11]!.outcome).toBe('created');
    expect(await partitions()).not.toContain(tenth.partitionName);
    expect(await verifyAuditChain(db.dataSource.manager, tenantId)).toEqual({ intact: true });
  });

  it('retention drops whole partitions older than six years, and the chain still verifies from its anchor', async () => {
    const { tenantId } = await tenantWithEvents(db.dataSource, 0);
    // An old month, made by hand the way create_audit_log_partitions makes current ones.
    await db.dataSource.query(
      `CREATE TABLE user_action_audit_logs_y2015m01 PARTITION OF user_action_audit_logs
         FOR VALUES FROM ('2015-01-01 00:00:00+00') TO ('2015-02-01 00:00:00+00')`,
    );
    await db.dataSource.query(`SELECT protect_audit_log_partition('user_action_audit_logs_y2015m01')`);
    for (let i = 0; i < 3; i++) {
      await db.dataSource.query(
        `INSERT INTO user_action_audit_logs (tenant_id, action, entity_type, occurred_at)
         VALUES ($1, 'read', 'client', '2015-01-15 12:00:00+00')`,
        [tenantId],
      );
    }
    await recordAuditEvent(db.dataSource.manager, sampleEvent(tenantId, 4));
    await recordAuditEvent(db.dataSource.manager, sampleEvent(tenantId, 5));

    expect(await outcomeOf(() => dropExpiredAuditPartitions(db.dataSource.manager, '1 year'))).toContain(
      'retention must be at least 6 years',
    );
    expect(await dropExpiredAuditPartitions(db.dataSource.manager)).toEqual(['user_action_audit_logs_y2015m01']);
    expect(await partitions()).not.toContain('user_action_audit_logs_y2015m01');

    const [chain] = await db.dataSource.query(
      `SELECT anchor_sequence, last_sequence FROM user_action_audit_log_chains WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(chain).toEqual({ anchor_sequence: '3', last_sequence: '5' });
    expect(await verifyAuditChain(db.dataSource.manager, tenantId)).toEqual({ intact: true });
    // Nothing left to drop: the current months are far younger than six years.
    expect(await dropExpiredAuditPartitions(db.dataSource.manager)).toEqual([]);
  });
});
