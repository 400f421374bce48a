import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { CliResult, PROJECT_ROOT, runSafetyCli } from '../support/cli';
import { compiledFile } from '../support/compiled-project';
import { createDatabase, dropDatabase, testAdminSettings, uniqueDatabaseName } from '../support/databases';
import { withAdminClient } from '../support/test-server';
import { withDatabase } from '../../src/database/connection-settings';

const PROCESSES = 8;
const REPETITIONS = 10;

/**
 * The deploy path, compiled JavaScript and the plain TypeORM CLI, started by several replicas
 * at once: the migration lock must make exactly one of them apply each migration, and every
 * one of them exit 0. Runs the test run's compiled copy (compiled-project.ts: the JavaScript
 * `npm run build` emits, under the project so it finds node_modules as a real build does).
 */
describe('concurrent `typeorm migration:run -d dist/ormconfig.js`', () => {
  const outDir = path.dirname(compiledFile('ormconfig.ts'));
  let migrationNames: string[];

  beforeAll(() => {
    migrationNames = readdirSync(path.join(outDir, 'src/migrations'))
      .filter((file) => file.endsWith('.js'))
      .map((file) => file.replace(/^\d+-(.*)\.js$/, (_m, name: string) => `${name}${file.slice(0, 13)}`))
      .sort();
    expect(migrationNames.length).toBeGreaterThanOrEqual(5);
  });

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
          const status = await runSafetyCli(['status'], { DATABASE_URL: settings.url }, undefined, 'ts-node');
          expect(status.stdout).toContain('Up to date.');
          expect(status.code).toBe(0);
        }

        // The runs overlapped: at least one process found the lock held and waited for it (the
        // lock's own announcement, then its "Got the migration lock." once the holder was done).
        // Without this, a trial whose processes happened to run one after the other would pass
        // the checks above without the lock ever being contended.
        const waited = results.filter((result) => /Waiting for the migration lock held by backend pid \d+/.test(result.stderr));
        expect({ repetition, waited: waited.length > 0 }).toEqual({ repetition, waited: true });
        for (const result of waited) expect(result.stderr).toContain('Got the migration lock.');
        trials.push(`trial ${repetition}: ${PROCESSES} exit 0, ${waited.length} waited for the lock, wall ${wallMs} ms`);
      } finally {
        await dropDatabase(admin, name);
      }
    }
    // The figures for the closing note; the assertions above are what the test proves.
    process.stdout.write(`${trials.join('\n')}\n`);
  }, 600_000);
});
