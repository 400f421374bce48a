import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTypeormCli } from '../support/cli';
import { useTestDatabase } from '../support/test-database';

/** What `npm run migration:*` does with good and bad configuration, through the real CLI. */
describe('the CLI DataSource (ormconfig.ts)', () => {
  describe('reports bad configuration in one line and exits non-zero', () => {
    it.each([
      ['a malformed DATABASE_URL', 'not a url', 'DATABASE_URL is not a valid URL'],
      ['a DATABASE_URL of another database kind', 'mysql://root@localhost/app', 'must start with postgres://'],
      ['a DATABASE_URL without a database', 'postgres://postgres@127.0.0.1:5432', 'must name exactly one database'],
      [
        'an unreachable server',
        'postgres://postgres@127.0.0.1:1/postgres',
        'Cannot connect to PostgreSQL at 127.0.0.1:1 (database "postgres", user "postgres"): connection refused',
      ],
    ])('%s', async (_case, url, message) => {
      const result = await runTypeormCli(['migration:show'], { DATABASE_URL: url }, 'ts-node');
      expect(result.code).not.toBe(0);
      const errorLines = result.stderr.split('\n').filter((line) => line.trim() !== '');
      expect(errorLines).toHaveLength(1);
      expect(errorLines[0]).toContain(message);
    });
  });

  describe('without DATABASE_URL, the embedded server', () => {
    let pgdata: string;

    beforeAll(() => {
      pgdata = mkdtempSync(path.join(os.tmpdir(), 'foundation-pgdata-'));
      // As root the server runs as the postgres system user, which must reach the folder.
      chmodSync(pgdata, 0o755);
    });
    afterAll(() => rmSync(pgdata, { recursive: true, force: true }));

    it('is created on first use, migrated, reused, and stopped after each command', async () => {
      const first = await runTypeormCli(['migration:run'], { FOUNDATION_PGDATA_DIR: pgdata, FOUNDATION_EMBEDDED: '1' }, 'ts-node');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('Migration CreateFacilityStaff1754250024000 has been executed successfully');

      const second = await runTypeormCli(['migration:run'], { FOUNDATION_PGDATA_DIR: pgdata, FOUNDATION_EMBEDDED: '1' }, 'ts-node');
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('No migrations are pending');

      const cluster = readdirSync(pgdata).find((name) => /^pg\d+-dev$/.test(name));
      expect(cluster).toBeDefined();
      expect(existsSync(path.join(pgdata, cluster!, 'PG_VERSION'))).toBe(true);
      // The postmaster removes its pid file when it has shut down.
      expect(existsSync(path.join(pgdata, cluster!, 'postmaster.pid'))).toBe(false);
    });

    it('that cannot start is reported in one line that says where its log is', async () => {
      const broken = mkdtempSync(path.join(os.tmpdir(), 'foundation-pgdata-broken-'));
      chmodSync(broken, 0o755);
      try {
        const first = await runTypeormCli(['migration:show'], { FOUNDATION_PGDATA_DIR: broken, FOUNDATION_EMBEDDED: '1' }, 'ts-node');
        expect(first.code).toBe(0);
        const cluster = readdirSync(broken).find((name) => /^pg\d+-dev$/.test(name))!;
        // A cluster from an unknown major version: the postmaster refuses to start.
        writeFileSync(path.join(broken, cluster, 'PG_VERSION'), '99\n');

        const result = await runTypeormCli(['migration:show'], { FOUNDATION_PGDATA_DIR: broken, FOUNDATION_EMBEDDED: '1' }, 'ts-node');
        expect(result.code).not.toBe(0);
        const errorLines = result.stderr.split('\n').filter((line) => line.trim() !== '');
        expect(errorLines).toEqual([expect.stringContaining(`failed to start`)]);
        expect(errorLines[0]).toContain(`see its log at ${path.join(broken, `${cluster}.log`)}`);
      } finally {
        rmSync(broken, { recursive: true, force: true });
      }
    });
  });

  describe('with DATABASE_URL', () => {
    const db = useTestDatabase('empty');

    it('migrates that database, then finds nothing pending', async () => {
      const first = await runTypeormCli(['migration:run'], { DATABASE_URL: db.settings.url }, 'ts-node');
      expect(first.code).toBe(0);
      const second = await runTypeormCli(['migration:show'], { DATABASE_URL: db.settings.url }, 'ts-node');
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('[X] 5 CreateFacilityStaff1754250024000');
      expect(second.stdout).not.toContain('[ ]');
    });
  });
});
