import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { toDatabaseUrl } from '../../src/database/connection-settings';
import { CliResult, PROJECT_ROOT, runSafetyCli, runTypeormCli } from '../support/cli';
import { testAdminSettings } from '../support/databases';
import { FakeServer, startFakeServer } from '../support/fake-servers';
import { compiledFile } from '../support/compiled-project';
import { MigrationSet } from '../support/migration-set';
import { useTestDatabase } from '../support/test-database';
import { withAdminClient } from '../support/test-server';
import { TEST_ROLE_PREFIX } from '../support/app-login';

// Two CLI processes (ts-node) per case, slow while the suite loads both cores.
jest.setTimeout(240_000);

/** Exactly one non-empty line on stderr, naming host and port, and exit code 2. */
function expectOneLine(result: CliResult, host: string, port: number, reason: RegExp | string): void {
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  expect({ code: result.code, lines }).toEqual({ code: 2, lines: [expect.stringContaining(`${host}:${port}`)] });
  if (typeof reason === 'string') expect(lines[0]).toContain(reason);
  else expect(lines[0]).toMatch(reason);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

/** Our runner (`migration:status`) and the TypeORM CLI on ormconfig.ts (`migration:run`). */
const both = (env: NodeJS.ProcessEnv) => Promise.all([runSafetyCli(['status'], env), runTypeormCli(['migration:run'], env)]);

/**
 * Every start-up failure is one line with host, port and the reason, and exit code 2, through
 * the project's runner and through the standard TypeORM CLI on ormconfig.ts.
 */
describe('start-up failures', () => {
  const fakes: FakeServer[] = [];
  const fake = async (kind: Parameters<typeof startFakeServer>[0]) => {
    const server = await startFakeServer(kind);
    fakes.push(server);
    return server;
  };
  afterAll(async () => {
    for (const server of fakes) await server.close();
  });

  it("a server that accepts and never answers: the URL's connect_timeout is honoured", async () => {
    const silent = await fake('silent');
    const started = Date.now();
    for (const result of await both({ DATABASE_URL: silent.url('app', '?connect_timeout=1') })) {
      expectOneLine(result, '127.0.0.1', silent.port, 'no answer within 1s');
    }
    // Both processes ran in parallel; without a timeout they would hang until jest gives up.
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('a server that accepts and never answers: DATABASE_CONNECT_TIMEOUT overrides the default', async () => {
    const silent = await fake('silent');
    const [status] = await both({ DATABASE_URL: silent.url(), DATABASE_CONNECT_TIMEOUT: '1500ms' });
    expectOneLine(status!, '127.0.0.1', silent.port, 'no answer within 1.5s');
  });

  it('a connection terminated during start-up', async () => {
    const hangUp = await fake('hang-up');
    for (const result of await both({ DATABASE_URL: hangUp.url() })) {
      expectOneLine(result, '127.0.0.1', hangUp.port, /terminated|closed the connection/);
    }
  });

  it('a server that is not PostgreSQL', async () => {
    const http = await fake('http');
    for (const result of await both({ DATABASE_URL: http.url('app', '?connect_timeout=5') })) {
      expectOneLine(result, '127.0.0.1', http.port, /does not speak the PostgreSQL protocol|terminated|closed the connection/);
    }
  });

  it('a server that asks for a password when DATABASE_URL has none', async () => {
    const asks = await fake('asks-password');
    for (const result of await both({ DATABASE_URL: asks.url() })) {
      expectOneLine(result, '127.0.0.1', asks.port, 'asks for a password and DATABASE_URL has none');
    }
  });

  it('a password with a bad percent-encoding (no URIError, and the password is not shown)', async () => {
    for (const result of await both({ DATABASE_URL: 'postgres://migrator:s3cr%zzet@db.example.org:6543/app' })) {
      expectOneLine(result, 'db.example.org', 6543, 'the password is not valid percent-encoding');
      expect(result.stderr).not.toContain('s3cr');
      expect(result.stderr).not.toContain('URIError');
    }
  });

  describe('a role without privileges', () => {
    const db = useTestDatabase('empty');
    const role = `${TEST_ROLE_PREFIX}${process.pid}_noprivs_${randomBytes(3).toString('hex')}`;
    const password = randomBytes(9).toString('hex');

    beforeAll(async () => {
      await withAdminClient(testAdminSettings(), (client) => client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`));
      // PostgreSQL 14 still lets PUBLIC create in schema public; 15+ does not.
      await withAdminClient(db.settings, (client) => client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC'));
    });
    afterAll(async () => {
      await withAdminClient(testAdminSettings(), (client) => client.query(`DROP ROLE IF EXISTS ${role}`));
    });

    it('is one line naming the role and the privilege it lacks, not a QueryFailedError stack trace', async () => {
      const url = toDatabaseUrl({ ...db.settings, username: role, password });
      const [status, run] = await both({ DATABASE_URL: url });
      // status only reads: with no migrations table yet it reports everything pending.
      expect(status.code).toBe(3);
      expectOneLine(run, db.settings.host, db.settings.port, `the role "${role}" lacks a privilege this command needs: permission denied for schema public`);
      const ours = await runSafetyCli(['run'], { DATABASE_URL: url });
      expectOneLine(ours, db.settings.host, db.settings.port, 'permission denied for schema public');
    });
  });

  describe('Ctrl-C during a command', () => {
    const db = useTestDatabase('empty');
    const slow = { name: 'SlowOne1700000000001', up: ['CREATE TABLE slow (id integer)', 'SELECT pg_sleep(60)'], down: ['DROP TABLE slow'] };

    /** Starts `args` in its own process group, as a shell starts a foreground job, and sends SIGINT to the group once the migration sleeps. */
    async function interruptWhileMigrating(args: string[]): Promise<CliResult> {
      const { DATABASE_URL: _ignored, ...inherited } = process.env;
      const child = spawn(args[0]!, args.slice(1), {
        cwd: PROJECT_ROOT,
        detached: true,
        env: { ...inherited, TS_NODE_TRANSPILE_ONLY: '1', DATABASE_URL: db.settings.url },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += String(chunk)));
      child.stderr.on('data', (chunk) => (stderr += String(chunk)));
      const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
      const [{ now }] = await db.dataSource.query(`SELECT clock_timestamp() AS now`);
      for (let i = 0; i < 600; i++) {
        const [{ sleeping }] = await db.dataSource.query(
          `SELECT count(*)::int AS sleeping FROM pg_stat_activity
           WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(60)%' AND backend_start > $1`,
          [now],
        );
        if (sleeping > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      process.kill(-child.pid!, 'SIGINT');
      return { code: await exited, stdout, stderr };
    }

    it.each([
      ['the project runner', (set: MigrationSet) => [process.execPath, compiledFile('src/cli/migrations.ts'), '-d', set.dataSourceFile, 'run']],
      ['the TypeORM CLI', (set: MigrationSet) => [process.execPath, path.join(PROJECT_ROOT, 'node_modules/typeorm/cli.js'), 'migration:run', '-d', set.dataSourceFile]],
    ])('through %s: one line, exit 130, the migration rolled back and unrecorded', async (_via, command) => {
      const set = new MigrationSet([slow], { commandLine: true });
      try {
        const result = await interruptWhileMigrating(command(set));
        const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
        expect({ code: result.code, lines }).toEqual({
          code: 130,
          lines: [expect.stringMatching(new RegExp(`^Interrupted by Ctrl-C \\(SIGINT\\): stopped migration:run on PostgreSQL at ${db.settings.host}:${db.settings.port}`))],
        });
        expect(result.stderr).not.toContain('ECONNRESET');
        // Its session was ended, not left running its statement with the locks it holds.
        const [{ left }] = await db.dataSource.query(`SELECT count(*)::int AS left FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'`);
        expect(left).toBe(0);
        const [{ table }] = await db.dataSource.query(`SELECT to_regclass('slow') IS NOT NULL AS table`);
        expect(table).toBe(false);
        const [{ bookkeeping }] = await db.dataSource.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS bookkeeping`);
        if (bookkeeping) expect(await db.dataSource.query(`SELECT name FROM schema_migrations`)).toEqual([]);
      } finally {
        set.remove();
      }
    });
  });
});
