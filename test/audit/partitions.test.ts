import { applyAuditRetention, dropExpiredAuditPartitions, ensureAuditPartitions, recordAuditEvent, verifyAuditChain } from '../../src/audit';
import { enterTenant, withTenant } from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { chainHeadOf, createMonthPartition, importHistoricEvents, sampleEvent, storedChainOf, tenantWithEvents } from '../support/audit';
import { outcomeOf, sqlstateOf } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

/** Monthly partitions: created ahead, nothing ever stranded in the default partition, dropped only by retention. */
describe('audit log partitions and retention', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);

  /** Partition names for the current UTC month (per the database's clock) and `ahead` more. */
  async function expectedNames(ahead: number, stem = 'user_action_audit_logs'): Promise<string[]> {
    const rows: { name: string }[] = await db.dataSource.query(
      `SELECT $2 || '_' || to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i), '"y"YYYY"m"MM') AS name
       FROM generate_series(0, $1::int) AS i ORDER BY i`,
      [ahead, stem],
    );
    return rows.map((row) => row.name);
  }

  async function partitions(parent = 'user_action_audit_logs'): Promise<string[]> {
    const rows: { name: string }[] = await db.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`,
      [parent],
    );
    return rows.map((row) => row.name);
  }

  it('after migrating, both logs have the current month and the next three, plus the default', async () => {
    for (const stem of ['user_action_audit_logs', 'system_audit_log']) {
      const names = await partitions(stem);
      for (const name of await expectedNames(3, stem)) expect(names).toContain(name);
      expect(names).toContain(`${stem}_default`);
    }
  });

  it('a new event lands in the current month, not the default partition', async () => {
    const { tenantId } = await tenantWithEvents(db.dataSource, 1);
    const [row] = await db.dataSource.query(`SELECT tableoid::regclass::text AS partition FROM user_action_audit_logs WHERE tenant_id = $1`, [tenantId]);
    expect(row.partition).toBe((await expectedNames(0))[0]);
  });

  it('ensureAuditPartitions is idempotent and creates further months of both logs on demand', async () => {
    const outcomes = await ensureAuditPartitions(db.dataSource.manager, 5);
    for (const table of ['user_action_audit_logs', 'system_audit_log']) {
      const mine = outcomes.filter((o) => o.table === table);
      expect(mine.map((o) => o.partitionName)).toEqual(await expectedNames(5, table));
      expect(mine.map((o) => o.outcome)).toEqual(['exists', 'exists', 'exists', 'exists', 'created', 'created']);
    }
    expect((await ensureAuditPartitions(db.dataSource.manager, 5)).every((o) => o.outcome === 'exists')).toBe(true);
  });

  it('no event lands in the default partition: a month without its partition is refused, naming the rule, for everyone', async () => {
    const { tenantId } = await tenantWithEvents(db.dataSource, 1);
    const before = await chainHeadOf(db.dataSource, tenantId);
    // Only a superuser's historic import may even name such a time (the clock rule refuses it
    // otherwise); the default partition still refuses the row.
    const error = await importHistoricEvents(db.dataSource, tenantId, new Date(Date.now() + 400 * 86400_000).toISOString(), 1).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: '23514', constraint: 'audit_partition_missing' });
    expect((error as Error).message).toContain('no monthly partition of user_action_audit_logs_default');
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM user_action_audit_logs_default`);
    expect(n).toBe(0);
    expect(await chainHeadOf(db.dataSource, tenantId)).toEqual(before);
    const system = await sqlstateOf(() =>
      db.dataSource.transaction(async (m) => {
        await m.query(`SET LOCAL foundation.audit_historic_import = on`);
        await m.query(`INSERT INTO system_audit_log (stream, event_type, occurred_at) VALUES ('audit', 'audit.test', now() + interval '3 years')`);
      }),
    );
    expect(system).toBe('23514');
    // Nothing stranded, so upkeep never skips a month.
    expect((await ensureAuditPartitions(db.dataSource.manager, 8)).some((o) => o.outcome.startsWith('skipped'))).toBe(false);
  });

  it('retention drops whole partitions older than six years, and the chain verifies from its anchor', async () => {
    const { tenantId } = await tenantWithEvents(db.dataSource, 0);
    const old = await createMonthPartition(db.dataSource, '2015-01-15T12:00:00Z');
    await importHistoricEvents(db.dataSource, tenantId, '2015-01-15T12:00:00Z', 3);
    await recordAuditEvent(db.dataSource.manager, sampleEvent(tenantId, 4));
    await recordAuditEvent(db.dataSource.manager, sampleEvent(tenantId, 5));

    expect(await outcomeOf(() => dropExpiredAuditPartitions(db.dataSource.manager, '1 year'))).toContain('retention must be at least 6 years');
    expect(await dropExpiredAuditPartitions(db.dataSource.manager)).toEqual([old]);
    expect(await partitions()).not.toContain(old);
    expect(await chainHeadOf(db.dataSource, tenantId)).toMatchObject({ anchorSequence: '3', lastSequence: '5' });
    expect(await verifyAuditChain(db.dataSource.manager, tenantId)).toMatchObject({ intact: true, rows: 2 });
    // Each drop is recorded in the system audit log.
    const [recorded] = await db.dataSource.query(`SELECT event_type, object_name FROM system_audit_log WHERE stream = 'audit' AND object_name = $1`, [old]);
    expect(recorded).toEqual({ event_type: 'audit.retention_drop', object_name: old });
    // Nothing left to drop: the current months are far younger than six years.
    expect(await dropExpiredAuditPartitions(db.dataSource.manager)).toEqual([]);
  });

  it('retention drops only a contiguous oldest part of each chain: an expired partition waits for the younger one that continues a chain', async () => {
    const { tenantId } = await tenantWithEvents(db.dataSource, 0);
    const march = await createMonthPartition(db.dataSource, '2016-03-10T00:00:00Z');
    const april = await createMonthPartition(db.dataSource, '2016-04-10T00:00:00Z');
    // Chain order and month order disagree (1 in April, 2 in March), as a transaction begun
    // before the turn of a month can make them: March alone is not the chain's oldest part.
    await importHistoricEvents(db.dataSource, tenantId, '2016-04-01T00:00:01Z', 1);
    await importHistoricEvents(db.dataSource, tenantId, '2016-03-31T23:59:59Z', 1);
    await recordAuditEvent(db.dataSource.manager, sampleEvent(tenantId, 3));
    const outcomes = await applyAuditRetention(db.dataSource.manager);
    expect(outcomes.filter((o) => o.partitionName === march || o.partitionName === april)).toEqual([
      { table: 'user_action_audit_logs', partitionName: march, outcome: 'dropped' },
      { table: 'user_action_audit_logs', partitionName: april, outcome: 'dropped' },
    ]);
    expect(await chainHeadOf(db.dataSource, tenantId)).toMatchObject({ anchorSequence: '2', lastSequence: '3' });
    expect(await verifyAuditChain(db.dataSource.manager, tenantId)).toMatchObject({ intact: true, rows: 1 });
  });

  it('a retention run next to back-dated and future-dated attempts keeps every row that must be kept', async () => {
    const app = await login.connect(1);
    const { tenantId } = await tenantWithEvents(db.dataSource, 2);
    const expired = await createMonthPartition(db.dataSource, '2018-06-10T00:00:00Z');
    const attempts = [
      ['seven years back (an expired month)', `now() - interval '7 years'`],
      ['into the expired partition', `'2018-06-15T00:00:00Z'`],
      ['a minute back', `now() - interval '1 minute'`],
      ['months ahead (the default partition)', `now() + interval '10 months'`],
      ['a minute ahead', `now() + interval '1 minute'`],
    ];
    for (const [label, at] of attempts) {
      const state = await sqlstateOf(() =>
        withTenant(app, tenantId, (m) => m.query(`INSERT INTO user_action_audit_logs (tenant_id, occurred_at, action, entity_type) VALUES ($1, ${at}, 'read', 'client')`, [tenantId])),
      );
      expect({ label, state }).toEqual({ label, state: '23514' });
      const superuser = await sqlstateOf(() =>
        db.dataSource.transaction(async (m) => {
          await enterTenant(m, tenantId);
          await m.query(`INSERT INTO user_action_audit_logs (tenant_id, occurred_at, action, entity_type) VALUES ($1, ${at}, 'read', 'client')`, [tenantId]);
        }),
      );
      expect({ label, superuser }).toEqual({ label, superuser: '23514' });
    }
    // Within the small skew the database's clock allows, an explicit time is kept.
    await withTenant(app, tenantId, (m) => m.query(`INSERT INTO user_action_audit_logs (tenant_id, occurred_at, action, entity_type) VALUES ($1, now() - interval '2 seconds', 'read', 'client')`, [tenantId]));

    const kept = await storedChainOf(db.dataSource, tenantId);
    const outcomes = await applyAuditRetention(db.dataSource.manager);
    expect(outcomes.find((o) => o.partitionName === expired)?.outcome).toBe('dropped');
    expect(await storedChainOf(db.dataSource, tenantId)).toEqual(kept);
    expect(kept.map((row) => row.sequence)).toEqual(['1', '2', '3']);
    expect(await verifyAuditChain(db.dataSource.manager, tenantId)).toMatchObject({ intact: true, rows: 3 });
  });
  // Last: a partition that must wait holds back every younger expired one (retention drops a prefix).
  it('an expired partition whose rows are not the oldest whole part of a chain is kept, with the reason, and nothing moves', async () => {
    const { tenantId } = await tenantWithEvents(db.dataSource, 0);
    const may = await createMonthPartition(db.dataSource, '2017-05-10T00:00:00Z');
    await importHistoricEvents(db.dataSource, tenantId, '2017-05-10T00:00:00Z', 1);
    await recordAuditEvent(db.dataSource.manager, sampleEvent(tenantId, 2));
    await importHistoricEvents(db.dataSource, tenantId, '2017-05-11T00:00:00Z', 1);
    const before = await storedChainOf(db.dataSource, tenantId);
    const outcomes = await applyAuditRetention(db.dataSource.manager);
    expect(outcomes.find((o) => o.partitionName === may)?.outcome).toMatch(/^kept: chain .* \(anchor 0; these partitions hold sequences 1 to 3, 2 rows\)/);
    expect(await partitions()).toContain(may);
    expect(await storedChainOf(db.dataSource, tenantId)).toEqual(before);
    expect(await chainHeadOf(db.dataSource, tenantId)).toMatchObject({ anchorSequence: '0' });
    // The anchoring function refuses it on its own too.
    expect(await sqlstateOf(() => db.dataSource.query(`SELECT record_audit_log_retention_anchors($1::regclass)`, [may]))).toBe('55000');
  });

});
