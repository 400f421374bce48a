import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { DataSource, EntityManager } from 'typeorm';
import {
  createTenantProof,
  resolveTenantContextKey,
  TenantContextKey,
  TenantProofRejectedError,
  withTenant,
} from '../../src/database/tenant-context';
import { Client as ClientEntity } from '../../src/entities';
import { useAppLogin } from '../support/app-login';
import { makeClient } from '../support/factories';
import { createTenant, Query, Rows, seedTenantRows, TABLE_WRITERS } from '../support/tenant-data';
import { tenantScopedTables } from '../support/tenant-tables';
import { backendPid, outcome, proofFor, rawClient } from '../support/tenant-context';
import { useTestDatabase } from '../support/test-database';

/**
 * SQL injected into tenant A's transaction, run as the application role, tries every way to
 * reach tenant B: the old setting, a forged or copied context, a forged, altered, expired or
 * replayed proof, the keys themselves, the functions, and session state left for the next
 * transaction on the pooled connection. Each attempt must leave B's rows out of reach.
 */
describe('the tenant context cannot be forged from inside a tenant', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  // NOINHERIT: it uses neither role's privileges until it switches to one.
  const dualLogin = useAppLogin(db, ['foundation_app', 'foundation_client_search'], false);
  let app: DataSource;
  let tenantA: string;
  let tenantB: string;
  let rowsB: Rows;
  let tables: string[];

  beforeAll(async () => {
    const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);
    tenantA = await createTenant(owner);
    tenantB = await createTenant(owner);
    await seedTenantRows(owner, tenantA, () => 2);
    rowsB = await seedTenantRows(owner, tenantB, () => 2);
    tables = await tenantScopedTables(db.dataSource);
    app = await login.connect(1); // one pooled connection: whatever an attack leaves, the next transaction gets
  });

  /** What the transaction can see, per table: the tenants whose rows are visible. */
  async function visibleTenants(manager: EntityManager): Promise<string[]> {
    const seen = new Set<string>();
    for (const table of tables) {
      for (const row of await manager.query(`SELECT DISTINCT tenant_id FROM ${table}`)) seen.add(row.tenant_id);
    }
    for (const row of await manager.query(`SELECT id FROM tenants`)) seen.add(row.id);
    return [...seen].sort();
  }

  /** Runs the attack inside A's transaction, then reports what that transaction can see and whether it can write into B. */
  async function insideA(attack: (manager: EntityManager) => Promise<unknown>): Promise<{ visible: string[]; writeIntoB: string }> {
    return withTenant(app, tenantA, async (manager) => {
      await manager.query('SAVEPOINT attack');
      await attack(manager).catch(() => manager.query('ROLLBACK TO SAVEPOINT attack'));
      const visible = await visibleTenants(manager);
      await manager.query('SAVEPOINT write');
      const writeIntoB = await outcome(() =>
        TABLE_WRITERS.users!.insert((sql, p) => manager.query(sql, p), tenantB, { facilityId: '', userId: '' }),
      );
      await manager.query('ROLLBACK TO SAVEPOINT write');
      return { visible, writeIntoB: writeIntoB.slice(0, 5) };
    });
  }

  const onlyA = () => ({ visible: [tenantA], writeIntoB: '42501' });
  const nothing = { visible: [], writeIntoB: '42501' };

  it('baseline: inside A, exactly A is visible and writing into B is refused', async () => {
    expect(await insideA(async () => undefined)).toEqual(onlyA());
  });

  it("set_config('app.tenant_id', B) (the old context) changes nothing", async () => {
    expect(await insideA((m) => m.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantB]))).toEqual(onlyA());
    expect(await insideA((m) => m.query(`SELECT set_config('app.tenant_id', $1, false)`, [tenantB]))).toEqual(onlyA());
  });

  it("A's own context with B's id written in: the signature no longer verifies, nothing is visible", async () => {
    const forged = await insideA(async (m) => {
      const [{ context }] = await m.query(`SELECT current_setting('foundation.tenant_context') AS context`);
      await m.query(`SELECT set_config('foundation.tenant_context', $1, true)`, [context.replace(tenantA, tenantB)]);
    });
    expect(forged).toEqual(nothing);
  });

  it("a context with another status written in (suspended -> active) does not verify either", async () => {
    const forged = await insideA(async (m) => {
      const [{ context }] = await m.query(`SELECT current_setting('foundation.tenant_context') AS context`);
      await m.query(`SELECT set_config('foundation.tenant_context', $1, true)`, [context.replace('.active.', '.archived.')]);
    });
    expect(forged).toEqual(nothing);
  });

  it("a context kept from an earlier transaction (B's, on the same connection) opens nothing in a later one", async () => {
    let contextOfB = '';
    await withTenant(app, tenantB, async (m) => {
      [{ context: contextOfB }] = await m.query(`SELECT current_setting('foundation.tenant_context') AS context`);
    });
    expect(contextOfB).toContain(tenantB);
    expect(await insideA((m) => m.query(`SELECT set_config('foundation.tenant_context', $1, true)`, [contextOfB]))).toEqual(nothing);
    // ... nor when kept at session level, outside any tenant.
    await app.query(`SELECT set_config('foundation.tenant_context', $1, false)`, [contextOfB]);
    expect(await app.transaction((m) => visibleTenants(m))).toEqual([]);
    await app.query(`RESET foundation.tenant_context`);
  });

  it("a context copied to another connection opens nothing there", async () => {
    let contextOfA = '';
    const other = await rawClient(login.settings);
    try {
      await withTenant(app, tenantA, async (m) => {
        [{ context: contextOfA }] = await m.query(`SELECT current_setting('foundation.tenant_context') AS context`);
        // Used while A's transaction is still open, so even the transaction start could match.
        await other.query('BEGIN');
        await other.query(`SELECT set_config('foundation.tenant_context', $1, true)`, [contextOfA]);
        const { rows } = await other.query(`SELECT current_tenant_id() AS tenant, (SELECT count(*)::int FROM clients) AS clients`);
        expect(rows).toEqual([{ tenant: null, clients: 0 }]);
        await other.query('ROLLBACK');
      });
    } finally {
      await other.end();
    }
  });

  it('enter_tenant with a proof for B that was not signed with the key is refused (28000)', async () => {
    const attempts: string[] = [];
    const wrongKey = TenantContextKey.generate('attacker');
    await withTenant(app, tenantA, async (m) => {
      const pid = (await m.query(`SELECT pg_backend_pid() AS pid`))[0].pid;
      const claims = { tenantId: tenantB, backendPid: pid, sequence: 9e12, expiresAtMs: Date.now() + 10_000 };
      const real = resolveTenantContextKey();
      const forgedWithOwnKey = createTenantProof(wrongKey, claims);
      // The real key's id, the attacker's signature.
      const forgedUnderRealId = createTenantProof(new TenantContextKey(real.id, Buffer.alloc(32, 7)), claims);
      for (const proof of [forgedWithOwnKey, forgedUnderRealId, 'ftc1', '', `ftc1.${real.id}.${tenantB}.${pid}.1.${Date.now() + 9999}.${'0'.repeat(64)}`]) {
        await m.query('SAVEPOINT s');
        attempts.push((await outcome(() => m.query(`SELECT enter_tenant($1)`, [proof]))).slice(0, 5));
        await m.query('ROLLBACK TO SAVEPOINT s');
      }
      expect(await visibleTenants(m)).toEqual([tenantA]);
    });
    expect(attempts).toEqual(['28000', '28000', '28000', '28000', '28000']);
  });

  it('any one-character change to a valid proof is refused: a proof for A never opens B', async () => {
    const client = await rawClient(login.settings);
    try {
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.constantFrom(...'0123456789abcdef.-_xyz'), async (at, replacement) => {
          const proof = proofFor(client, tenantA);
          const position = at % proof.length;
          const altered = proof.slice(0, position) + replacement + proof.slice(position + 1);
          await client.query('BEGIN');
          try {
            const result = await outcome(() => client.query(`SELECT enter_tenant($1)`, [altered]));
            if (altered === proof) return; // the "change" left it as it was
            expect(result.slice(0, 5)).toBe('28000');
          } finally {
            await client.query('ROLLBACK');
          }
        }),
        { numRuns: 120 },
      );
    } finally {
      await client.end();
    }
  });

  it('a valid proof for A enters A and nothing else, whatever other tenants exist', async () => {
    const client = await rawClient(login.settings);
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(`SELECT enter_tenant($1) AS status, current_tenant_id() AS tenant`, [proofFor(client, tenantA)]);
      expect(rows).toEqual([{ status: 'active', tenant: tenantA }]);
      const { rows: seen } = await client.query(`SELECT DISTINCT tenant_id FROM clients`);
      expect(seen).toEqual([{ tenant_id: tenantA }]);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
  });

  it('an expired proof, or one that would live more than a minute, is refused', async () => {
    const client = await rawClient(login.settings);
    try {
      for (const [expiresAtMs, reason] of [
        [Date.now() - 1_000, 'expired'],
        [Date.now() + 5 * 60_000, 'more than the 60000 ms allowed'],
      ] as const) {
        await client.query('BEGIN');
        expect(await outcome(() => client.query(`SELECT enter_tenant($1)`, [proofFor(client, tenantA, { expiresAtMs })]))).toMatch(
          new RegExp(`^28000: .*${reason}`),
        );
        await client.query('ROLLBACK');
      }
    } finally {
      await client.end();
    }
  });

  it('a used proof is refused in another transaction on the same connection, and on another connection', async () => {
    const first = await rawClient(login.settings);
    const second = await rawClient(login.settings);
    try {
      const proof = proofFor(first, tenantB);
      await first.query('BEGIN');
      expect((await first.query(`SELECT enter_tenant($1) AS status`, [proof])).rows).toEqual([{ status: 'active' }]);
      await first.query('COMMIT');
      // Replayed later on the same connection.
      await first.query('BEGIN');
      expect(await outcome(() => first.query(`SELECT enter_tenant($1)`, [proof]))).toMatch(/^28000: .*already used on this connection/);
      await first.query('ROLLBACK');
      // An older proof (lower sequence) is refused as well.
      await first.query('BEGIN');
      expect(await outcome(() => first.query(`SELECT enter_tenant($1)`, [proofFor(first, tenantB, { sequence: 5 })]))).toMatch(/^28000: .*already used/);
      await first.query('ROLLBACK');
      // Replayed on another connection: bound to the first one's backend.
      await second.query('BEGIN');
      expect(await outcome(() => second.query(`SELECT enter_tenant($1)`, [proof]))).toMatch(
        new RegExp(`^28000: enter_tenant: the proof is for backend ${backendPid(first)}, this is backend ${backendPid(second)}`),
      );
      await second.query('ROLLBACK');
    } finally {
      await first.end();
      await second.end();
    }
  });

  it('withTenant reports a refused proof as TenantProofRejectedError (a key the database does not know)', async () => {
    const unknownKey = TenantContextKey.generate('never-installed');
    await expect(withTenant(app, tenantA, async () => 'ran', { contextKey: unknownKey })).rejects.toThrow(TenantProofRejectedError);
    await expect(withTenant(app, tenantA, async () => 'ran', { contextKey: unknownKey })).rejects.toThrow(/no tenant-context key "never-installed"/);
    // The connection is fine afterwards.
    expect(await withTenant(app, tenantA, (m) => visibleTenants(m))).toEqual([tenantA]);
  });

  it('the keys cannot be read, installed, listed or retired by the application role', async () => {
    const attempts = [
      `SELECT * FROM tenant_context_keys`,
      `SELECT install_tenant_context_key('attacker', decode(repeat('ab', 32), 'hex'))`,
      `SELECT * FROM list_tenant_context_keys()`,
      `SELECT retire_tenant_context_key('x')`,
      `DELETE FROM tenant_context_keys`,
    ];
    for (const sql of attempts) {
      const result = await outcome(() => withTenant(app, tenantA, (m) => m.query(sql)));
      expect({ sql, result: result.slice(0, 5) }).toEqual({ sql, result: '42501' });
    }
  });

  it('the tenant-context functions cannot be replaced or shadowed', async () => {
    for (const sql of [
      `CREATE OR REPLACE FUNCTION current_tenant_id() RETURNS uuid LANGUAGE sql AS $$ SELECT NULL::uuid $$`,
      `CREATE OR REPLACE FUNCTION enter_tenant(proof text) RETURNS text LANGUAGE sql AS $$ SELECT 'active' $$`,
      `CREATE OR REPLACE FUNCTION current_tenant_writable() RETURNS boolean LANGUAGE sql AS $$ SELECT true $$`,
      `ALTER FUNCTION current_tenant_id() SECURITY INVOKER`,
    ]) {
      expect({ sql, result: (await outcome(() => withTenant(app, tenantA, (m) => m.query(sql)))).slice(0, 5) }).toEqual({ sql, result: '42501' });
    }
    // A temporary function of the same name (PUBLIC may create temporary objects unless the DBA
    // revoked it) is never what the policies call: they reference the function itself.
    const shadowed = await insideA(async (m) => {
      await m.query(`CREATE FUNCTION pg_temp.current_tenant_id() RETURNS uuid LANGUAGE sql AS $$ SELECT '${tenantB}'::uuid $$`);
      await m.query(`SET LOCAL search_path = pg_temp, public`);
    });
    expect(shadowed).toEqual(onlyA());
  });

  it('RESET inside the transaction only takes the tenant away', async () => {
    expect(await insideA((m) => m.query(`RESET foundation.tenant_context`))).toEqual(nothing);
    expect(await insideA((m) => m.query(`RESET ALL`))).toEqual(nothing);
  });

  it('COMMIT AND CHAIN starts a transaction that has no tenant, whatever it is told', async () => {
    const client = await rawClient(login.settings);
    try {
      await client.query('BEGIN');
      await client.query(`SELECT enter_tenant($1)`, [proofFor(client, tenantA)]);
      const { rows: [{ context }] } = await client.query(`SELECT current_setting('foundation.tenant_context') AS context`);
      await client.query(`COMMIT AND CHAIN`);
      await client.query(`SELECT set_config('foundation.tenant_context', $1, true)`, [context]);
      const { rows } = await client.query(`SELECT current_tenant_id() AS tenant, (SELECT count(*)::int FROM clients) AS clients`);
      expect(rows).toEqual([{ tenant: null, clients: 0 }]);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
  });

  it("a temporary table left by A's transaction does not catch B's writes on the same connection", async () => {
    // The attack of the issue: a temporary copy of clients, created inside A's transaction,
    // outlives it on the pooled connection, and pg_temp is searched first unless pinned.
    await withTenant(app, tenantA, async (m) => {
      await m.query(`CREATE TEMP TABLE clients (LIKE public.clients INCLUDING DEFAULTS) ON COMMIT PRESERVE ROWS`);
      await m.query(`SELECT set_config('search_path', 'pg_temp, public', false)`);
    });
    const [{ trap }] = await app.query(`SELECT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'clients' AND relpersistence = 't') AS trap`);
    expect(trap).toBe(true); // the trap is in place on the connection
    const parents = { facilityId: rowsB.facilities![0]!, userId: rowsB.users![0]! };
    const unqualified = randomUUID();
    const inserted = await withTenant(app, tenantB, async (m) => {
      const [{ path }] = await m.query(`SELECT current_setting('search_path') AS path`);
      expect(path).toBe('public, pg_temp');
      const id = await TABLE_WRITERS.clients!.insert((sql, p) => m.query(sql, p), tenantB, parents);
      await m.insert(ClientEntity, makeClient(tenantB, { id: unqualified }));
      return id;
    });
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM public.clients WHERE id IN ($1, $2)`, [inserted, unqualified]);
    expect(n).toBe(2);
    const [{ trapped }] = await app.query(`SELECT count(*)::int AS trapped FROM pg_temp.clients`);
    expect(trapped).toBe(0);
    await app.query(`DROP TABLE pg_temp.clients`);
    await db.dataSource.query(`DELETE FROM public.clients WHERE id IN ($1, $2)`, [inserted, unqualified]);
  });

  it('a session-level search_path, role or context left behind does not reach the next tenant', async () => {
    await withTenant(app, tenantA, async (m) => {
      await m.query(`SELECT set_config('search_path', 'pg_temp, public', false)`);
      await m.query(`SELECT set_config('foundation.tenant_proof_sequence', '0', false)`);
      await m.query(`SELECT set_config('app.tenant_id', $1, false)`, [tenantB]);
    });
    const state = await withTenant(app, tenantB, async (m) => {
      const [row] = await m.query(`SELECT current_setting('search_path') AS path, current_tenant_id() AS tenant`);
      return { ...row, visible: await visibleTenants(m) };
    });
    expect(state).toEqual({ path: 'public, pg_temp', tenant: tenantB, visible: [tenantB] });
  });

  it('a sequence watermark raised by SQL on the connection costs one refused entry, then the connection recovers', async () => {
    await withTenant(app, tenantA, (m) => m.query(`SELECT set_config('foundation.tenant_proof_sequence', '900000000000000', false)`));
    await expect(withTenant(app, tenantB, async () => 'ran')).rejects.toThrow(/already used on this connection \(last accepted 900000000000000\)/);
    expect(await withTenant(app, tenantB, (m) => visibleTenants(m))).toEqual([tenantB]);
    // One longer than any application counts to is not the function's: ignored at once.
    await withTenant(app, tenantA, (m) => m.query(`SELECT set_config('foundation.tenant_proof_sequence', '99999999999999999', false)`));
    expect(await withTenant(app, tenantB, (m) => visibleTenants(m))).toEqual([tenantB]);
  });

  it('the proof withTenant sends is in no SQL text: pg_stat_activity shows enter_tenant($1)', async () => {
    const watcher = await rawClient(db.settings); // a superuser, who sees every session's text
    try {
      await withTenant(app, tenantA, async () => undefined); // the connection's role check is done
      const lastStatement = await withTenant(app, tenantA, async (m) => {
        // Nothing has run since the entry statement: it is still the backend's latest query.
        const pid = (m.queryRunner as unknown as { databaseConnection: { processID: number } }).databaseConnection.processID;
        const { rows } = await watcher.query(`SELECT query FROM pg_stat_activity WHERE pid = $1`, [pid]);
        return rows[0].query as string;
      });
      expect(lastStatement).toContain('enter_tenant($1)');
      expect(lastStatement).not.toMatch(/ftc1\./);
    } finally {
      await watcher.end();
    }
  });

  it("a role switched at session level is checked again before the next tenant's transaction", async () => {
    // A login that may SET ROLE to a function owner, whose policy reads every tenant's clients.
    const dual = await dualLogin.connect(1);
    expect(await withTenant(dual, tenantA, async () => 'ran', { appRole: null })).toBe('ran');
    await dual.transaction((m) => m.query(`SELECT set_config('role', 'foundation_client_search', false)`));
    await expect(withTenant(dual, tenantA, async () => 'ran', { appRole: null })).rejects.toThrow(/holds foundation_client_search/);
  });

  it('the statistics of tables under row-level security are hidden from the application role (pg_stats)', async () => {
    await db.dataSource.query(`ANALYZE clients`);
    const [{ superuser }] = await db.dataSource.query(`SELECT count(*)::int AS superuser FROM pg_stats WHERE tablename = 'clients'`);
    expect(superuser).toBeGreaterThan(0);
    const [{ n }] = await withTenant(app, tenantA, (m) => m.query(`SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'clients'`));
    expect(n).toBe(0);
  });

  it('the key object shows no secret in logs or JSON', () => {
    const key = TenantContextKey.generate('shown');
    const secret = key.withSecret((s) => s.toString('base64url'));
    for (const text of [inspect(key), JSON.stringify(key), String(key), `${key}`]) expect(text).not.toContain(secret);
  });

  it('after all of the above, B is exactly as it was', async () => {
    for (const table of tables) {
      const key = TABLE_WRITERS[table]!.key ?? 'id';
      const found: { id: string }[] = await db.dataSource.query(`SELECT ${key} AS id FROM ${table} WHERE tenant_id = $1 ORDER BY 1`, [tenantB]);
      expect({ table, ids: found.map((row) => row.id) }).toEqual({ table, ids: [...rowsB[table]!].sort() });
    }
  });
});
