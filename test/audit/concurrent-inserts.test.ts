import { recordAuditEvent, verifyAuditChain } from '../../src/audit';
import { makeTenant } from '../support/factories';
import { sampleEvent } from '../support/audit';
import { useTestDatabase } from '../support/test-database';

const CONNECTIONS = 8;
const EVENTS_PER_CONNECTION = 15;

/**
 * Eight connections record events for one tenant at once, each event in its own transaction
 * that does a little more work after the insert (as a request would), so the transactions
 * overlap. Without the lock on the chain head, two of them would read the same head and fork
 * the chain (duplicate sequence numbers, two rows with the same previous_hash).
 */
describe('concurrent inserts for one tenant', () => {
  const db = useTestDatabase();

  it(`${CONNECTIONS} connections leave one unbroken chain`, async () => {
    const tenantId = (await db.dataSource.manager.save(makeTenant())).id;
    const runners = Array.from({ length: CONNECTIONS }, () => db.dataSource.createQueryRunner());
    // Open every connection first, so all eight really run side by side.
    await Promise.all(runners.map((runner) => runner.connect()));
    const pids = await Promise.all(runners.map(async (runner) => (await runner.query('SELECT pg_backend_pid() AS pid'))[0].pid));
    expect(new Set(pids).size).toBe(CONNECTIONS);
    try {
      await Promise.all(
        runners.map(async (runner, connection) => {
          for (let i = 0; i < EVENTS_PER_CONNECTION; i++) {
            await runner.startTransaction();
            await recordAuditEvent(runner.manager, sampleEvent(tenantId, i, { details: { connection, i } }));
            await runner.query('SELECT pg_sleep(0.001)');
            await runner.commitTransaction();
          }
        }),
      );
    } finally {
      await Promise.all(runners.map((runner) => runner.release()));
    }

    const total = CONNECTIONS * EVENTS_PER_CONNECTION;
    const [stats] = await db.dataSource.query(
      `SELECT count(*)::int AS rows, count(DISTINCT chain_sequence)::int AS sequences,
              count(DISTINCT previous_hash)::int AS links, min(chain_sequence)::int AS first, max(chain_sequence)::int AS last
       FROM user_action_audit_logs WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(stats).toEqual({ rows: total, sequences: total, links: total, first: 1, last: total });
    expect(await verifyAuditChain(db.dataSource.manager, tenantId)).toMatchObject({ intact: true, rows: total, problems: [] });
  });
});
