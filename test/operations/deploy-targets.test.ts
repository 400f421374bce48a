import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXIT } from '../../src/cli/exit-codes';
import { embeddedDefaultRefusal } from '../../src/database/deploy-target';
import { CliResult, PROJECT_ROOT, runSafetyCli, runTypeormCli } from '../support/cli';
import { compiledFile } from '../support/compiled-project';

jest.setTimeout(600_000);

/** Tests that start the embedded default run in the suite's embedded run; a DATABASE_URL run would only repeat them. */
const onEmbeddedRun = process.env.DATABASE_URL ? it.skip : it;

/** The environment of a developer's shell: none of the deploy signals, no opt-in. */
const DEVELOPER = { CI: '', NODE_ENV: '', FOUNDATION_EMBEDDED: '' };

/** Runs a program found on PATH (or by absolute path) from the project root, without DATABASE_URL. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(command, args, { cwd: PROJECT_ROOT, env: { ...inherited, TS_NODE_TRANSPILE_ONLY: '1', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

function expectRefusal(result: CliResult, reason: string): void {
  const stderr = result.stderr.split('\n').filter((line) => line.trim() !== '');
  expect({ code: result.code, stderr: stderr.length }).toEqual({ code: EXIT.configuration, stderr: 1 });
  expect(stderr[0]).toContain(`DATABASE_URL is not set and ${reason}: refusing to start the embedded development PostgreSQL`);
  expect(stderr[0]).toContain('Set DATABASE_URL=postgres://');
}

/** The embedded default is for development: deploy paths without DATABASE_URL refuse it. */
describe('deploy targets', () => {
  let pgdata: string;
  beforeAll(() => {
    pgdata = mkdtempSync(path.join(os.tmpdir(), 'foundation-deploy-targets-'));
    chmodSync(pgdata, 0o755);
  });
  afterAll(() => rmSync(pgdata, { recursive: true, force: true }));

  it('decides from the compiled path, NODE_ENV, CI and the opt-in', () => {
    expect(embeddedDefaultRefusal({}, false)).toBeUndefined();
    expect(embeddedDefaultRefusal({}, true)).toContain('this is the compiled deploy path (dist/)');
    expect(embeddedDefaultRefusal({ NODE_ENV: 'production' }, false)).toContain('NODE_ENV=production');
    expect(embeddedDefaultRefusal({ CI: 'true' }, false)).toContain('CI=true');
    expect(embeddedDefaultRefusal({ CI: '1', NODE_ENV: 'production' }, true)).toContain('dist/) and NODE_ENV=production and CI=1');
    expect(embeddedDefaultRefusal({ CI: 'false' }, false)).toBeUndefined();
    expect(embeddedDefaultRefusal({ CI: 'true', NODE_ENV: 'production', FOUNDATION_EMBEDDED: '1' }, true)).toBeUndefined();
  });

  it('NODE_ENV=production and CI refuse, through the project runner and the TypeORM CLI, starting nothing', async () => {
    const env = { ...DEVELOPER, FOUNDATION_PGDATA_DIR: pgdata };
    const results = await Promise.all([
      runSafetyCli(['run'], { ...env, NODE_ENV: 'production' }, undefined, 'ts-node'),
      runTypeormCli(['migration:run'], { ...env, NODE_ENV: 'production' }, 'ts-node'),
      runSafetyCli(['status'], { ...env, CI: 'true' }, undefined, 'ts-node'),
      runTypeormCli(['migration:run'], { ...env, CI: 'true' }, 'ts-node'),
    ]);
    expectRefusal(results[0]!, 'NODE_ENV=production');
    expectRefusal(results[1]!, 'NODE_ENV=production');
    expectRefusal(results[2]!, 'CI=true');
    expectRefusal(results[3]!, 'CI=true');
    expect(readdirSync(pgdata)).toEqual([]);
  });

  onEmbeddedRun("the README's first command works in development, and CI tooling opts in with FOUNDATION_EMBEDDED=1", async () => {
    const env = { ...DEVELOPER, FOUNDATION_PGDATA_DIR: pgdata };
    const first = await run('npm', ['run', '--silent', 'migration:run'], env);
    expect(first.code).toBe(EXIT.ok);
    expect(first.stdout).toContain('has been executed successfully');
    const optedIn = await runSafetyCli(['status'], { ...env, CI: 'true', FOUNDATION_EMBEDDED: '1' }, undefined, 'ts-node');
    expect(optedIn.code).toBe(EXIT.ok);
  });

  describe('the compiled path (dist/)', () => {
    // The test run's compiled copy (compiled-project.ts), laid out as `npm run build` does.
    const outDir = path.dirname(compiledFile('ormconfig.ts'));

    it('refuses the embedded default, in its own CLI and through `typeorm -d dist/ormconfig.js`', async () => {
      const env = { ...DEVELOPER, FOUNDATION_PGDATA_DIR: pgdata };
      const results = await Promise.all([
        run(process.execPath, [path.join(outDir, 'src/cli/migrations.js'), 'status'], env),
        run(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/typeorm/cli.js'), 'migration:run', '-d', path.join(outDir, 'ormconfig.js')], env),
      ]);
      for (const result of results) expectRefusal(result, 'this is the compiled deploy path (dist/)');
    });
  });
});
