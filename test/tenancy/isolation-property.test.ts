import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { DataSource, EntityManager } from 'typeorm';
import { withTenant } from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { propertySettings } from '../support/property-runs';
import { sqlstateOf } from '../support/rule-check';
import { createTenant, Parents, parentsOf, Query, Rows, seedTenantRows, TABLE_WRITERS } from '../support/tenant-data';
import { tenantScopedTables } from '../support/tenant-tables';
import { useTestDatabase } from '../support/test-database';

const TABLES = Object.keys(TABLE_WRITERS);
const REFERENCING = TABLES.filter((table) => TABLE_WRITERS[table]!.referencesParents);
const keyOf = (table: string) => TABLE_WRITERS[table]!.key ?? 'id';

/** One tenant's generated data: rows per table (0 to 2, so empty tables occur) and parent picks. */
const tenantShape = fc.record({
  counts: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: TABLES.length, maxLength: TABLES.length }),
  picks: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
});

/**
 * What a tenant's transaction does, in withTenant, as the application role. `actor` and `victim`
 * index the run's tenants (victim is always another tenant), `row` picks a target row among
 * that tenant's rows of `table` (a key that exists nowhere when it has none).
 */
const operation = fc.oneof(
  fc.record({ kind: fc.constant('read' as const), actor: fc.nat(), table: fc.nat() }),
  fc.record({ kind: fc.constant('read-without-context' as const), table: fc.nat() }),
  fc.record({ kind: fc.constant('insert-as-other' as const), actor: fc.nat(), victim: fc.nat(), table: fc.nat() }),
  fc.record({ kind: fc.constant('move' as const), actor: fc.nat(), victim: fc.nat(), table: fc.nat(), row: fc.nat() }),
  fc.record({ kind: fc.constant('touch' as const), actor: fc.nat(), victim: fc.nat(), table: fc.nat(), row: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), actor: fc.nat(), victim: fc.nat(), table: fc.nat(), row: fc.nat() }),
  fc.record({ kind: fc.constant('reference' as const), actor: fc.nat(), victim: fc.nat(), table: fc.nat() }),
  fc.record({ kind: fc.constant('insert-own' as const), actor: fc.nat(), table: fc.nat() }),
  fc.record({ kind: fc.constant('take-over-tenant' as const), actor: fc.nat(), victim: fc.nat() }),
  fc.record({ kind: fc.constant('add-tenant' as const), actor: fc.nat() }),
);
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

/** Operations in batches: one batch's operations run at once, on different pooled connections. */
const batches = fc.array(fc.array(operation, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 });

const { numRuns, seed, timeoutMs } = propertySettings('tenant isolation');

/**
 * Random tenants (2 or 3, any table possibly empty for any of them), then random sequences of
 * reads and attacks by random tenants on random other tenants' rows, run in concurrent batches
 * over a pool of 4 connections of the application role. Every outcome is checked against a
 * model of who owns what, and at the end the owner's view of every table must equal the model:
 * nothing written across tenants, nothing moved or lost. Tenants of earlier runs stay in the
 * database (one database for all runs), so every read also proves they stay invisible.
 */
describe('tenant isolation holds for random data and random operations', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  let app: DataSource;
  const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);

  beforeAll(async () => {
    app = await login.connect(4);
  });

  it('every tenant-scoped table has a writer in the test data (add one for a new table)', async () => {
    expect([...TABLES].sort()).toEqual(await tenantScopedTables(db.dataSource));
  });

  const inTenant = <T>(tenant: string, work: (manager: EntityManager) => Promise<T>) => withTenant(app, tenant, work);
  const via = (manager: EntityManager): Query => (sql, parameters) => manager.query(sql, parameters);

  it(`sees only its own rows, and cannot write, move, touch or reference across tenants (${numRuns} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(tenantShape, { minLength: 2, maxLength: 3 }), batches, async (shapes, plan) => {
        // The model: keys by table, then by tenant.
        const tenants: string[] = [];
        const model: Record<string, Map<string, Set<string>>> = Object.fromEntries(TABLES.map((table) => [table, new Map()]));
        const own = (table: string, tenant: string) => model[table]!.get(tenant)!;
        for (const shape of shapes) {
          const tenant = await createTenant(owner);
          let pick = 0;
          const rows = await seedTenantRows(
            owner,
            tenant,
            (_table, position) => shape.counts[position]!,
            (candidates) => candidates[shape.picks[pick++ % shape.picks.length]! % candidates.length]!,
          );
          tenants.push(tenant);
          for (const table of TABLES) model[table]!.set(tenant, new Set(rows[table]));
          // The audit log's trigger makes the tenant's chain head with its first entry.
          if (rows.user_action_audit_logs!.length > 0) own('user_action_audit_log_chains', tenant).add(tenant);
        }
        const rowsOf = (tenant: string): Rows => Object.fromEntries(TABLES.map((table) => [table, [...own(table, tenant)]]));
        const actorOf = (op: { actor: number }) => tenants[op.actor % tenants.length]!;
        const victimOf = (op: { actor: number; victim: number }) =>
          tenants[(op.actor % tenants.length + 1 + (op.victim % (tenants.length - 1))) % tenants.length]!;
        const tableOf = (op: { table: number }) => TABLES[op.table % TABLES.length]!;
        /** A row of `tenant` in `table`, or a key no row has. */
        const targetRow = (table: string, tenant: string, index: number) => {
          const keys = [...own(table, tenant)];
          return keys.length ? keys[index % keys.length]! : randomUUID();
        };
        /** `tenant`'s parents where it has them, keys that exist nowhere where it has none. */
        const parentsOrStrangers = (tenant: string): Parents => {
          const parents = parentsOf(rowsOf(tenant));
          for (const kind of Object.keys(parents) as (keyof Parents)[]) parents[kind] ||= randomUUID();
          return parents;
        };

        for (const batch of plan) {
          const before = Object.fromEntries(TABLES.map((table) => [table, new Map([...model[table]!].map(([t, keys]) => [t, new Set(keys)]))]));
          const outcomes = await Promise.all(batch.map((op) => perform(op)));
          for (const check of outcomes) check?.(before);
        }

        /**
         * Runs one operation and checks what can be checked at once; returns a check that needs
         * the state before the batch (reads, which may run beside a concurrent insert).
         */
        async function perform(op: Operation): Promise<((before: typeof model) => void) | void> {
          switch (op.kind) {
            case 'read': {
              const [tenant, table] = [actorOf(op), tableOf(op)];
              const seen = await inTenant(tenant, async (m) => ({
                rows: (await m.query(`SELECT tenant_id, ${keyOf(table)} AS key FROM ${table}`)) as { tenant_id: string; key: string }[],
                tenants: ((await m.query(`SELECT id FROM tenants`)) as { id: string }[]).map((row) => row.id),
              }));
              return (before) => {
                expect({ table, tenants: seen.tenants, foreign: seen.rows.filter((row) => row.tenant_id !== tenant) }).toEqual({ table, tenants: [tenant], foreign: [] });
                const keys = seen.rows.map((row) => row.key);
                // Everything it had before the batch, and nothing but its own rows (an insert of
                // its own in the same batch may or may not be visible yet).
                expect({ table, missing: [...before[table]!.get(tenant)!].filter((key) => !keys.includes(key)) }).toEqual({ table, missing: [] });
                expect({ table, unknown: keys.filter((key) => !own(table, tenant).has(key)) }).toEqual({ table, unknown: [] });
              };
            }
            case 'read-without-context': {
              const table = tableOf(op);
              const [{ n }] = await app.query(`SELECT count(*)::int AS n FROM ${table}`);
              expect({ table, n }).toEqual({ table, n: 0 });
              return;
            }
            case 'insert-as-other': {
              const [tenant, victim, table] = [actorOf(op), victimOf(op), tableOf(op)];
              const outcome = await sqlstateOf(() => inTenant(tenant, (m) => TABLE_WRITERS[table]!.insert(via(m), victim, parentsOrStrangers(victim))));
              expect({ op: op.kind, table, outcome }).toEqual({ op: op.kind, table, outcome: '42501' });
              return;
            }
            case 'move': {
              const [tenant, victim, table] = [actorOf(op), victimOf(op), tableOf(op)];
              const exists = own(table, tenant).size > 0;
              const key = targetRow(table, tenant, op.row);
              const outcome = await sqlstateOf(async () => {
                const [, updated] = await inTenant(tenant, (m) => m.query(`UPDATE ${table} SET tenant_id = $1 WHERE ${keyOf(table)} = $2`, [victim, key]));
                if (updated !== 0) throw new Error(`moved ${updated}`);
              });
              // Its own row cannot leave it (WITH CHECK); a missing one changes nothing.
              const expected = TABLE_WRITERS[table]!.touch === null || exists ? '42501' : 'ok';
              expect({ op: op.kind, table, exists, outcome }).toEqual({ op: op.kind, table, exists, outcome: expected });
              return;
            }
            case 'touch':
            case 'delete': {
              const [tenant, victim, table] = [actorOf(op), victimOf(op), tableOf(op)];
              const writer = TABLE_WRITERS[table]!;
              const key = targetRow(table, victim, op.row);
              const sql = op.kind === 'touch'
                ? `UPDATE ${table} SET ${writer.touch ?? 'tenant_id = tenant_id'} WHERE ${keyOf(table)} = $1`
                : `DELETE FROM ${table} WHERE ${keyOf(table)} = $1`;
              const outcome = await sqlstateOf(async () => {
                const [, changed] = await inTenant(tenant, (m) => m.query(sql, [key]));
                if (changed !== 0) throw new Error(`changed ${changed}`);
              });
              // Another tenant's row is invisible: nothing changes, or, on a table the
              // application may not update or delete at all, the statement is refused.
              expect({ op: op.kind, table, outcome }).toEqual({ op: op.kind, table, outcome: writer.touch === null ? '42501' : 'ok' });
              return;
            }
            case 'reference': {
              const [tenant, victim] = [actorOf(op), victimOf(op)];
              const table = REFERENCING[op.table % REFERENCING.length]!;
              // This tenant's id, another tenant's parents: the tenant-inclusive foreign keys refuse it.
              const outcome = await sqlstateOf(() => inTenant(tenant, (m) => TABLE_WRITERS[table]!.insert(via(m), tenant, parentsOrStrangers(victim))));
              expect({ op: op.kind, table, outcome }).toEqual({ op: op.kind, table, outcome: '23503' });
              return;
            }
            case 'insert-own': {
              const [tenant, table] = [actorOf(op), tableOf(op)];
              const writer = TABLE_WRITERS[table]!;
              const parents = parentsOf(rowsOf(tenant));
              // Only rows it can make: not a second row of a one-per-tenant table, not without parents.
              if (writer.touch === null && table !== 'user_action_audit_logs') return;
              if (writer.maxRows !== undefined || writer.needs?.some((kind) => !parents[kind])) return;
              const key = await inTenant(tenant, (m) => writer.insert(via(m), tenant, parents));
              own(table, tenant).add(key);
              if (table === 'user_action_audit_logs') own('user_action_audit_log_chains', tenant).add(tenant);
              return;
            }
            case 'take-over-tenant': {
              const [tenant, victim] = [actorOf(op), victimOf(op)];
              const [, renamed] = await inTenant(tenant, (m) => m.query(`UPDATE tenants SET name = 'Taken over' WHERE id = $1`, [victim]));
              expect({ op: op.kind, renamed }).toEqual({ op: op.kind, renamed: 0 });
              return;
            }
            case 'add-tenant': {
              const outcome = await sqlstateOf(() => inTenant(actorOf(op), (m) => createTenant(via(m))));
              expect({ op: op.kind, outcome }).toEqual({ op: op.kind, outcome: '42501' });
              return;
            }
          }
        }

        // Nothing changed underneath: the owner sees exactly the model, table by table.
        for (const table of TABLES) {
          const found: { tenant_id: string; key: string }[] = await owner(
            `SELECT tenant_id, ${keyOf(table)} AS key FROM ${table} WHERE tenant_id = ANY($1::uuid[])`,
            [tenants],
          );
          const actual = Object.fromEntries(tenants.map((t) => [t, found.filter((row) => row.tenant_id === t).map((row) => row.key).sort()]));
          const expected = Object.fromEntries(tenants.map((t) => [t, [...own(table, t)].sort()]));
          expect({ table, rows: actual }).toEqual({ table, rows: expected });
        }
        const names: { name: string }[] = await owner(`SELECT name FROM tenants WHERE id = ANY($1::uuid[])`, [tenants]);
        expect(names.filter((row) => row.name === 'Taken over')).toEqual([]);
      }),
      { numRuns, seed },
    );
  }, timeoutMs);
});
