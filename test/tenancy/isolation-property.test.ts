import fc from 'fast-check';
import { DataSource, EntityManager } from 'typeorm';
import { withTenant } from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { createTenant, parentsOf, Query, Rows, seedTenantRows, TABLE_WRITERS } from '../support/tenant-data';
import { tenantScopedTables } from '../support/tenant-tables';
import { useTestDatabase } from '../support/test-database';
import { sqlstateOf } from '../support/rule-check';

/** How many rows of each table one generated tenant gets, and which parents child rows pick. */
interface TenantShape {
  /** Rows per table, by the table's position in TABLE_WRITERS (at least one each). */
  counts: number[];
  /** Parent choices: index into the tenant's facilities/users, modulo their count. */
  picks: number[];
}

/** Enough entries for every table in TABLE_WRITERS (checked below), so each table draws its own count. */
const SHAPE_LENGTH = 32;

const shape: fc.Arbitrary<TenantShape> = fc.record({
  counts: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: SHAPE_LENGTH, maxLength: SHAPE_LENGTH }),
  picks: fc.array(fc.nat(), { minLength: SHAPE_LENGTH, maxLength: SHAPE_LENGTH }),
});


/**
 * Random data for 5 to 7 tenants in every tenant-scoped table, then, connected as the
 * application role: each tenant's context sees exactly its own rows in every table; writing a
 * row with another tenant's id, moving a row to another tenant, touching another tenant's row,
 * or pointing at another tenant's row all fail or do nothing; and the data is unchanged.
 */
describe('tenant isolation holds for random data in every table', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  let app: DataSource;
  const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);

  beforeAll(async () => {
    app = await login.connect(4);
  });

  it('every tenant-scoped table has a writer in the test data (add one for a new table)', async () => {
    expect(Object.keys(TABLE_WRITERS).sort()).toEqual(await tenantScopedTables(db.dataSource));
    expect(Object.keys(TABLE_WRITERS).length).toBeLessThanOrEqual(SHAPE_LENGTH);
  });

  async function seed(shapeOfTenant: TenantShape): Promise<{ tenant: string; rows: Rows }> {
    const tenant = await createTenant(owner);
    let pickIndex = 0;
    const rows = await seedTenantRows(
      owner,
      tenant,
      (_table, position) => shapeOfTenant.counts[position % SHAPE_LENGTH]!,
      (candidates) => candidates[shapeOfTenant.picks[pickIndex++ % SHAPE_LENGTH]! % candidates.length]!,
    );
    return { tenant, rows };
  }

  const inTenant = <T>(tenant: string, work: (manager: EntityManager) => Promise<T>) => withTenant(app, tenant, work);

  it('sees only its own rows, and cannot write, move, touch or reference across tenants', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(shape, { minLength: 5, maxLength: 7 }), async (shapes) => {
        const tenants = [];
        for (const s of shapes) tenants.push(await seed(s));
        const tables = await tenantScopedTables(db.dataSource);

        for (const [index, { tenant, rows }] of tenants.entries()) {
          const other = tenants[(index + 1) % tenants.length]!;
          const otherParents = parentsOf(other.rows);
          const ownParents = parentsOf(rows);

          // Reads: exactly this tenant's rows, in every table and in tenants.
          const seen = await inTenant(tenant, async (manager) => {
            const result: Record<string, string[]> = {};
            for (const table of tables) {
              const key = TABLE_WRITERS[table]!.key ?? 'id';
              const found: { tenant_id: string; id: string }[] = await manager.query(`SELECT tenant_id, ${key} AS id FROM ${table}`);
              expect(found.every((row) => row.tenant_id === tenant)).toBe(true);
              result[table] = found.map((row) => row.id).sort();
            }
            result.tenants = (await manager.query(`SELECT id FROM tenants`)).map((row: { id: string }) => row.id);
            return result;
          });
          const expected: Record<string, string[]> = { tenants: [tenant] };
          for (const table of tables) expected[table] = [...rows[table]!].sort();
          expect(seen).toEqual(expected);

          for (const table of tables) {
            const writer = TABLE_WRITERS[table]!;
            // A new row carrying another tenant's id.
            const insert = await sqlstateOf(() => inTenant(tenant, (m) => writer.insert((sql, p) => m.query(sql, p), other.tenant, otherParents)));
            const key = writer.key ?? 'id';
            // One of this tenant's rows moved to another tenant.
            const move = await sqlstateOf(() =>
              inTenant(tenant, (m) => m.query(`UPDATE ${table} SET tenant_id = $1 WHERE ${key} = $2`, [other.tenant, rows[table]![0]])),
            );
            // Another tenant's row, addressed by its key: invisible, so nothing changes (or, on a
            // table the application may not update or delete at all, refused outright).
            const touched = await sqlstateOf(async () => {
              const [, updated] = await inTenant(tenant, (m) =>
                m.query(`UPDATE ${table} SET ${writer.touch ?? 'tenant_id = tenant_id'} WHERE ${key} = $1`, [other.rows[table]![0]]),
              );
              if (updated !== 0) throw new Error(`updated ${updated}`);
            });
            const removed = await sqlstateOf(async () => {
              const [, deleted] = await inTenant(tenant, (m) => m.query(`DELETE FROM ${table} WHERE ${key} = $1`, [other.rows[table]![0]]));
              if (deleted !== 0) throw new Error(`deleted ${deleted}`);
            });
            const refused = writer.touch === null ? '42501' : 'ok';
            expect({ table, insert, move, touched, removed }).toEqual({ table, insert: '42501', move: '42501', touched: refused, removed: refused });
          }

          // Pointing at another tenant's row: the tenant-inclusive foreign keys refuse it.
          const client = await sqlstateOf(() =>
            inTenant(tenant, (m) => TABLE_WRITERS.clients!.insert((sql, p) => m.query(sql, p), tenant, otherParents)),
          );
          const staffUser = await sqlstateOf(() =>
            inTenant(tenant, (m) =>
              TABLE_WRITERS.facility_staff!.insert((sql, p) => m.query(sql, p), tenant, { ...ownParents, userId: otherParents.userId }),
            ),
          );
          const repoint = await sqlstateOf(() =>
            inTenant(tenant, (m) => m.query(`UPDATE clients SET facility_id = $1 WHERE id = $2`, [otherParents.facilityId, rows.clients![0]])),
          );
          expect({ client, staffUser, repoint }).toEqual({ client: '23503', staffUser: '23503', repoint: '23503' });
          // Every table that points at other rows: this tenant's id with another tenant's parents.
          for (const [table, writer] of Object.entries(TABLE_WRITERS)) {
            if (!writer.referencesParents) continue;
            const crossing = await sqlstateOf(() => inTenant(tenant, (m) => writer.insert((sql, p) => m.query(sql, p), tenant, otherParents)));
            expect({ table, crossing }).toEqual({ table, crossing: '23503' });
          }

          // The tenants table: another tenant's row is invisible and unchangeable; none can be added.
          const [, renamed] = await inTenant(tenant, (m) => m.query(`UPDATE tenants SET name = 'Taken over' WHERE id = $1`, [other.tenant]));
          expect(renamed).toBe(0);
          const addTenant = await sqlstateOf(() => inTenant(tenant, (m) => createTenant((sql, p) => m.query(sql, p))));
          expect(addTenant).toBe('42501');
        }

        // Nothing changed underneath: the owner still sees every generated row in place.
        for (const { tenant, rows } of tenants) {
          for (const table of tables) {
            const key = TABLE_WRITERS[table]!.key ?? 'id';
            const found: { id: string }[] = await owner(`SELECT ${key} AS id FROM ${table} WHERE tenant_id = $1 ORDER BY 1`, [tenant]);
            expect({ table, ids: found.map((row) => row.id) }).toEqual({ table, ids: [...rows[table]!].sort() });
          }
        }
      }),
      { numRuns: 6 },
    );
  });
});
