import { execFile } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CliResult, PROJECT_ROOT, runSafetyCli } from '../support/cli';
import { createDatabase, dropDatabase, testAdminSettings, uniqueDatabaseName } from '../support/databases';
import { withAdminClient } from '../support/test-server';
import { withDatabase } from '../../src/database/connection-settings';

const execFileAsync = promisify(execFile);
const PROCESSES = 8;
const REPETITIONS = 10;

/**
 * The deploy path, compiled JavaScript and the plain TypeORM CLI, started by several replicas
 * at once: the migration lock must make exactly one of them apply each migration, and every
 * one of them exit 0. Built once into a private folder under dist/ (git-ignored), so the
 * compiled files find node_modules and the project's migrations as a real build does.
 */
describe('concurrent `typeorm migration:run -d dist/ormconfig.js`', () => {
  const outDir = path.join(PROJECT_ROOT, 'dist', `.test-build-${process.pid}`);
  let migrationNames: string[];

  beforeAll(async () => {
    await execFileAsync(path.join(PROJECT_ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: PROJECT_ROOT });
    migrationNames = readdirSync(path.join(outDir, 'src/migrations'))
      .filter((file) => file.endsWith('.js'))
      .map((file) => file.replace(/^\d+-(.*)\.js$/, (_m, name: string) => `${name}${file.slice(0, 13)}`))
      .sort();
    expect(migrationNames.length).toBeGreaterThanOrEqual(5);
  }, 180_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  function migrate(url: string): Promise<CliResult> {
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [path.join(PROJECT_ROOT, 'node_modules/typeorm/cli.js'), 'migration:run', '-d', path.join(outDir, 'ormconfig.js')],
        { cwd: PROJECT_ROOT, env: { ...inherited, DATABASE_URL: url } },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });
  }

  it(`${PROCESSES} processes, ${REPETITIONS} times: all exit 0 and each migration is applied exactly once`, async () => {
    const admin = testAdminSettings();
    const trials: string[] = [];
    for (let repetition = 1; repetition <= REPETITIONS; repetition++) {
      const name = uniqueDatabaseName('concurrent');
      const settings = await createDatabase(admin, name);
      try {
        const started = Date.now();
        const results = await Promise.all(Array.from({ length: PROCESSES }, () => migrate(settings.url)));
        const wallMs = Date.now() - started;

        expect(results.map((result) => result.code === 0 ? 0 : `${result.code}: ${result.stderr}`)).toEqual(Array(PROCESSES).fill(0));
        const rows = await withAdminClient(withDatabase(admin, name), async (client) =>
          (await client.query<{ name: string; checksum: string | null }>('SELECT name, checksum FROM schema_migrations ORDER BY name')).rows,
        );
        expect(rows.map((row) => row.name)).toEqual(migrationNames);
        expect(rows.every((row) => row.checksum !== null)).toBe(true);

        // Each migration's success line appears once over all processes; every process that
        // applied nothing found nothing pending.
        for (const migration of migrationNames) {
          const appliedBy = results.filter((result) => result.stdout.includes(`Migration ${migration} has been executed successfully`));
          expect({ migration, processes: appliedBy.length }).toEqual({ migration, processes: 1 });
        }
        const idle = results.filter((result) => !result.stdout.includes('has been executed successfully'));
        expect(idle.length).toBe(PROCESSES - 1);
        for (const result of idle) expect(result.stdout).toContain('No migrations are pending');

        if (repetition === REPETITIONS) {
          // Checksums recorded by compiled JavaScript agree with the TypeScript sources' (ts-node).
          const status = await runSafetyCli(['status'], { DATABASE_URL: settings.url });
          expect(status.stdout).toContain('Up to date.');
          expect(status.code).toBe(0);
        }

        const waited = results.filter((result) => result.stderr.includes('Waiting for the migration lock held by backend pid')).length;
        trials.push(`trial ${repetition}: ${PROCESSES} exit 0, ${waited} announced waiting, wall ${wallMs} ms`);
      } finally {
        await dropDatabase(admin, name);
      }
    }
    // The figures for the closing note; the assertions above are what the test proves.
    process.stdout.write(`${trials.join('\n')}\n`);
  }, 600_000);
});
