import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { acquireMigrationLock, MIGRATION_LOCK_KEY } from '../../src/database/migration-safety';
import { randomUUID } from 'node:crypto';
import { Client as ClientEntity } from '../../src/entities';
import { inspectHardening, withTenant } from '../../src/database/tenant-context';
import { sealClientIdentity, searchClients } from '../../src/phi';
import { makeClient } from '../support/factories';
import { useKeyFolder } from '../support/phi';
import { TEST_ROLE_PREFIX, useAppLogin } from '../support/app-login';
import { runProjectCli } from '../support/cli';
import { createTenant, Query, seedTenantRows } from '../support/tenant-data';
import { outcome, rawClient } from '../support/tenant-context';
import { testAdminSettings } from '../support/databases';
import { withAdminClient } from '../support/test-server';
import { useTestDatabase } from '../support/test-database';

const MARKER = `other-tenant-${randomBytes(4).toString('hex')}`;

/**
 * The side channels the schema cannot close, reproduced from inside a tenant's transaction as
 * the application role, then closed by `npm run tenant-context -- harden --apply` (the DBA's
 * statements, run here as the suite's superuser): other sessions' query text, large objects,
 * the deploy's migration lock, temporary objects. The application keeps working afterwards.
 */
describe('database hardening closes the side channels the schema cannot', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  const keys = useKeyFolder();
  const migrator = `${TEST_ROLE_PREFIX}${process.pid}_migrator_${randomBytes(3).toString('hex')}`;
  let app: DataSource;
  let tenant: string;
  let busy: Client;

  beforeAll(async () => {
    const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);
    tenant = await createTenant(owner);
    await seedTenantRows(owner, tenant, () => 1);
    await withAdminClient(testAdminSettings(), (client) => client.query(`CREATE ROLE ${migrator} NOLOGIN`));
    app = await login.connect(1);
  });

  // Runs after the test database is dropped (declared later), which takes the role's grant with it.
  afterAll(async () => {
    await withAdminClient(testAdminSettings(), (client) => client.query(`DROP ROLE IF EXISTS ${migrator}`));
  });

  /** Another session of the same login, busy with a statement whose text names another tenant. */
  async function startOtherSession(): Promise<{ done: Promise<unknown> }> {
    busy = await rawClient(login.settings);
    const running = busy.query(`SELECT pg_sleep(1.5) AS "${MARKER}"`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { done: running.finally(() => busy.end()) };
  }

  /** Each channel, tried from inside the tenant's transaction; 'ok' when it is open. */
  async function channels(): Promise<Record<string, string>> {
    const running = await startOtherSession();
    const result = await withTenant(app, tenant, async (m) => {
      const tried: Record<string, string> = {};
      const attempt = async (label: string, run: () => Promise<unknown>) => {
        await m.query('SAVEPOINT c');
        tried[label] = await outcome(run);
        if (tried[label] !== 'ok') await m.query('ROLLBACK TO SAVEPOINT c');
        tried[label] = tried[label].slice(0, 5);
      };
      await attempt("other sessions' query text", async () => {
        const rows = await m.query(`SELECT query FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`, [`%${MARKER}%`]);
        if (rows.length === 0) throw Object.assign(new Error('not visible'), { code: 'empty' });
      });
      await attempt('create a large object', () => m.query(`SELECT lo_from_bytea(0, 'stash')`));
      await attempt("take the deploy's migration lock", () => m.query(`SELECT pg_try_advisory_xact_lock($1::bigint)`, [MIGRATION_LOCK_KEY.toString()]));
      await attempt('create a temporary table', () => m.query(`CREATE TEMP TABLE stash (x int) ON COMMIT DROP`));
      return tried;
    });
    await running.done;
    return result;
  }

  it('before: every channel is open to the application role', async () => {
    expect(await channels()).toEqual({
      "other sessions' query text": 'ok',
      'create a large object': 'ok',
      "take the deploy's migration lock": 'ok',
      'create a temporary table': 'ok',
    });
  });

  it('harden --apply runs every step as a superuser, and says so', async () => {
    const result = await runProjectCli('tenant-context', ['harden', '--apply', '--migrator', migrator, '--app-login', login.role], {
      DATABASE_URL: db.settings.url,
    });
    expect(result).toMatchObject({ code: 0 });
    for (const step of ['temporary-objects', 'other-sessions-activity', 'large-objects', 'deploy-lock', 'application-login']) {
      expect(result.stdout).toContain(`-- ${step}: applied`);
    }
    const states = await inspectHardening(db.dataSource, { database: db.name, migratorRole: migrator, appLogin: login.role });
    expect(states.map(({ step, inEffect }) => [step.name, inEffect])).toEqual(states.map(({ step }) => [step.name, true]));
  });

  it('after: every channel is refused to the application role (42501)', async () => {
    expect(await channels()).toEqual({
      "other sessions' query text": '42501',
      'create a large object': '42501',
      "take the deploy's migration lock": '42501',
      'create a temporary table': '42501',
    });
  });

  it("the migrating role keeps the deploy lock, and the application's login is pinned when it connects", async () => {
    const [grants] = await db.dataSource.query(
      `SELECT has_function_privilege($1, 'pg_catalog.pg_try_advisory_lock(bigint)', 'EXECUTE') AS migrator,
              has_function_privilege('foundation_app', 'pg_catalog.pg_try_advisory_lock(bigint)', 'EXECUTE') AS app`,
      [migrator],
    );
    expect(grants).toEqual({ migrator: true, app: false });
    const lock = await acquireMigrationLock(db.dataSource, 1000, () => undefined);
    await lock.release();
    const fresh = await rawClient(login.settings);
    try {
      const { rows } = await fresh.query(`SELECT current_setting('search_path') AS path, current_setting('log_parameter_max_length') AS logged`);
      expect(rows).toEqual([{ path: 'public, pg_temp', logged: '0' }]);
    } finally {
      await fresh.end();
    }
  });

  it('the application still works: reads, writes, name search, the issuer check', async () => {
    const result = await withTenant(app, tenant, async (m) => {
      const cipher = await keys.keyring().forTransaction(m);
      const id = randomUUID();
      const sealed = await sealClientIdentity(cipher, id, { firstName: 'Grace', lastName: 'Hopper', dateOfBirth: '1940-12-09', medicalRecordNumber: 'M-hardened' });
      await m.insert(ClientEntity, makeClient(tenant, { id, ...sealed }));
      await m.query(`INSERT INTO facilities (tenant_id, name, kind) VALUES ($1, 'After hardening', 'assisted_living')`, [tenant]);
      await m.query(`INSERT INTO ciam_systems (tenant_id, kind, display_name, issuer_url) VALUES ($1, 'oidc', 'IdP', 'https://after.example.org/')`, [tenant]);
      return { facilities: (await m.query(`SELECT count(*)::int AS n FROM facilities`))[0].n, search: await searchClients(m, cipher, 'Grace') };
    });
    expect(result.facilities).toBe(2);
    expect(result.search.map((hit) => hit.fullName)).toEqual(['Grace Hopper']);
  });

  it('harden is idempotent: a second run finds every step in effect', async () => {
    const result = await runProjectCli('tenant-context', ['harden', '--apply', '--migrator', migrator, '--app-login', login.role], {
      DATABASE_URL: db.settings.url,
    });
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout.match(/: in effect/g)?.length).toBe(5);
  });
});
