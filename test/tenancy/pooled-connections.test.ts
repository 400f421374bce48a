import { DataSource } from 'typeorm';
import { withTenant } from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { createTenant, Query, seedTenantRows, TABLE_WRITERS } from '../support/tenant-data';
import { tenantScopedTables } from '../support/tenant-tables';
import { useTestDatabase } from '../support/test-database';

const TRANSACTIONS = 1_000;
const TENANTS = 6;

/** A small deterministic generator, so a failure replays identically. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Pooled connections carry no tenant from one user to the next: 1,000 interleaved withTenant
 * transactions over a pool of 1 and of 10 connections, each checking that every table shows
 * exactly its own tenant's row counts, mixed with rolled-back writes and with queries outside
 * any tenant (which must see nothing).
 */
describe.each([1, 10])('pool of %i connection(s)', (poolSize) => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  let app: DataSource;
  let tables: string[];
  const expected = new Map<string, Record<string, number>>(); // tenant -> table -> rows

  beforeAll(async () => {
    const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);
    tables = await tenantScopedTables(db.dataSource);
    for (let i = 0; i < TENANTS; i++) {
      const tenant = await createTenant(owner);
      // Different row counts per tenant (i + 1 in every table), so a count from the wrong tenant is noticed.
      await seedTenantRows(owner, tenant, () => i + 1);
      const counts: Record<string, number> = {};
      for (const table of tables) {
        [{ n: counts[table] }] = await owner(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenant]);
      }
      expected.set(tenant, counts);
    }
    app = await login.connect(poolSize);
  });

  it(`${TRANSACTIONS} interleaved transactions never observe another tenant's data`, async () => {
    const random = generator(poolSize);
    const tenants = [...expected.keys()];
    const yieldToOthers = () => new Promise((resolve) => setImmediate(resolve));
    const problems: string[] = [];
    let committed = 0;
    let rolledBack = 0;
    let outside = 0;
    const backends = new Set<number>();

    const work = Array.from({ length: TRANSACTIONS }, async (_, i) => {
      const tenant = tenants[Math.floor(random() * tenants.length)]!;
      const rollBack = random() < 0.15;
      try {
        await withTenant(app, tenant, async (manager) => {
          const [{ setting, pid }] = await manager.query(`SELECT current_tenant_id() AS setting, pg_backend_pid() AS pid`);
          backends.add(pid);
          if (setting !== tenant) problems.push(`#${i}: setting ${setting}, expected ${tenant}`);
          for (const table of tables) {
            await yieldToOthers();
            const rows: { tenant_id: string; n: number }[] = await manager.query(
              `SELECT tenant_id, count(*)::int AS n FROM ${table} GROUP BY tenant_id`,
            );
            const n = expected.get(tenant)![table]!;
            const want = n === 0 ? [] : [{ tenant_id: tenant, n }];
            if (JSON.stringify(rows) !== JSON.stringify(want)) problems.push(`#${i} ${table}: ${JSON.stringify(rows)}`);
          }
          if (rollBack) {
            await TABLE_WRITERS.users!.insert((sql, p) => manager.query(sql, p), tenant, { facilityId: '', userId: '' });
            throw new Error('roll back');
          }
        });
        committed++;
      } catch (error) {
        if ((error as Error).message !== 'roll back') throw error;
        rolledBack++;
      }
      // Now and then a query outside any tenant, on whichever connection the pool hands out.
      if (i % 10 === 0) {
        const [{ n }] = await app.query(`SELECT (SELECT count(*) FROM clients) + (SELECT count(*) FROM users) AS n`);
        if (Number(n) !== 0) problems.push(`#${i}: ${n} rows visible outside a tenant`);
        outside++;
      }
    });
    await Promise.all(work);

    expect(problems).toEqual([]);
    expect(committed + rolledBack).toBe(TRANSACTIONS);
    expect(rolledBack).toBeGreaterThan(0);
    expect(outside).toBe(TRANSACTIONS / 10);
    // The pool really was shared: every connection served many transactions of many tenants.
    expect(backends.size).toBe(poolSize);
    // The rolled-back writes left nothing behind.
    for (const [tenant, counts] of expected) {
      const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE tenant_id = $1`, [tenant]);
      expect(n).toBe(counts.users);
    }
  }, 120_000); // each transaction reads every tenant table: the work grows with the schema (18 tables today)
});
