import { EXIT } from '../../src/cli/exit-codes';
import { runProjectCli, runSafetyCli, runTypeorm, runTypeormCli } from '../support/cli';
import { MigrationSet } from '../support/migration-set';
import { useTestDatabase } from '../support/test-database';

jest.setTimeout(300_000);

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/** What the migration commands print: progress, not a query log; failures in a few lines; JSON on request. */
describe('command output', () => {
  describe('a fresh migrate', () => {
    const quiet = useTestDatabase('empty');
    const verbose = useTestDatabase('empty');

    it('prints a progress line per migration with its duration, not every statement; --verbose echoes the SQL', async () => {
      const result = await runSafetyCli(['run'], { DATABASE_URL: quiet.settings.url });
      expect(result.code).toBe(EXIT.ok);
      const count = quiet.dataSource.migrations.length;
      const progress = lines(result.stdout).filter((line) => /^Migration \S+ has been executed successfully \(\d+ ms\)\.$/.test(line));
      expect(progress).toHaveLength(count);
      expect(lines(result.stdout).length).toBeLessThanOrEqual(count + 5);
      expect(result.stdout).not.toContain('query:');

      const echoed = await runSafetyCli(['run', '--verbose'], { DATABASE_URL: verbose.settings.url });
      expect(echoed.code).toBe(EXIT.ok);
      expect(echoed.stdout).toContain('query: ');
      expect(echoed.stdout).toMatch(/CREATE TABLE IF NOT EXISTS tenants/);
      expect(lines(echoed.stdout).length).toBeGreaterThan(10 * count);
    });
  });

  describe('through the TypeORM CLI on ormconfig.ts', () => {
    const db = useTestDatabase('empty');

    it('the same progress lines; FOUNDATION_VERBOSE=1 brings the echo back', async () => {
      const result = await runTypeormCli(['migration:run'], { DATABASE_URL: db.settings.url });
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain('query:');
      expect(lines(result.stdout).filter((line) => / has been executed successfully \(\d+ ms\)\.$/.test(line))).toHaveLength(db.dataSource.migrations.length);
      const noop = await runTypeormCli(['migration:run'], { DATABASE_URL: db.settings.url, FOUNDATION_VERBOSE: '1' });
      expect(noop.stdout).toContain('No migrations are pending');
      expect(noop.stdout).toContain('query: SELECT');
    });
  });

  describe('a failed migration, and --json', () => {
    const db = useTestDatabase('empty');

    it('is reported in a few lines naming migration, statement and object; status, plan and revert speak JSON', async () => {
      const set = new MigrationSet([
        { name: 'CreateWidgets1700000000001', up: ['CREATE TABLE widgets (id integer PRIMARY KEY)'], down: ['DROP TABLE widgets'] },
        { name: 'AddWidgetId1700000000002', up: ['ALTER TABLE widgets ADD COLUMN id integer'], down: ['SELECT 1'] },
      ], { commandLine: true });
      const env = { DATABASE_URL: db.settings.url };
      try {
        for (const result of [await runSafetyCli(['run'], env, set.dataSourceFile), await runTypeorm(['migration:run'], set.dataSourceFile, env)]) {
          expect(result.code).toBe(EXIT.failed);
          const report = lines(result.stderr);
          expect(report.length).toBeLessThanOrEqual(5);
          expect(report[0]).toBe('Migration AddWidgetId1700000000002 failed: column "id" of relation "widgets" already exists [SQLSTATE 42701]');
          expect(result.stderr).toContain('statement: ALTER TABLE widgets ADD COLUMN id integer');
          expect(result.stderr).toContain('object:    column widgets.id');
          expect(result.stderr).toContain('It was rolled back');
          expect(result.stderr).not.toMatch(/\n\s+at /);
        }

        const status = await runSafetyCli(['status', '--json'], env, set.dataSourceFile);
        expect(status.code).toBe(EXIT.pending);
        expect(JSON.parse(status.stdout)).toMatchObject({ upToDate: false, pending: ['AddWidgetId1700000000002'] });
        const plan = await runSafetyCli(['plan', '--json'], env, set.dataSourceFile);
        expect(plan.code).toBe(EXIT.ok);
        expect(JSON.parse(plan.stdout)).toMatchObject({ pending: ['AddWidgetId1700000000002'], sql: expect.stringContaining('ALTER TABLE widgets ADD COLUMN id integer;') });
        const revert = await runSafetyCli(['revert', '--json'], env, set.dataSourceFile);
        expect(revert.code).toBe(EXIT.ok);
        expect(JSON.parse(revert.stdout)).toEqual({ reverted: ['CreateWidgets1700000000001'], failed: null, notReverted: [] });
      } finally {
        set.remove();
      }
    });

    it('audit-log verify --json', async () => {
      await db.dataSource.query('DROP TABLE IF EXISTS schema_migrations');
      expect((await runSafetyCli(['run'], { DATABASE_URL: db.settings.url })).code).toBe(EXIT.ok);
      const verify = await runProjectCli('audit-log', ['verify', '--all', '--json'], { DATABASE_URL: db.settings.url });
      // The run itself is in the system log's migrations stream (CreateSystemAuditLog and
      // after), and no checkpoint has signed it yet: intact, unverified, exit 9.
      expect(verify.code).toBe(EXIT.needsAttention);
      const report = JSON.parse(verify.stdout);
      expect(report).toMatchObject({ intact: true, unverified: true });
      expect(report.chains).toEqual([expect.objectContaining({ log: 'system', chain: 'migrations', intact: true, checkpoint: null })]);
    });
  });
});
