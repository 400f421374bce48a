import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConnectionSettings } from '../../src/database/connection-settings';
import { MIGRATIONS_TABLE } from '../../src/database/data-source-options';
import { readCatalog } from '../../src/schema/read-schema';
import { CatalogModel } from '../../src/schema/schema-model';
import { runSafetyCli, runTypeorm, runTypeormCli } from '../support/cli';
import { createDatabase, dropDatabase, testAdminSettings, uniqueDatabaseName } from '../support/databases';
import { MigrationSet } from '../support/migration-set';
import { withAdminClient } from '../support/test-server';

const execFileAsync = promisify(execFile);
const PSQL = process.env.PSQL ?? '/usr/bin/psql';

interface Outcome {
  catalog: CatalogModel;
  rows: unknown[];
}

async function outcomeOf(settings: ConnectionSettings): Promise<Outcome> {
  return withAdminClient(settings, async (client) => ({
    // Nothing excluded: the migrations table's own shape (and its safety columns) must match too.
    catalog: await readCatalog(async (sql, parameters) => (await client.query(sql, parameters)).rows),
    rows: (await client.query(`SELECT id, "timestamp", name, checksum FROM ${MIGRATIONS_TABLE} ORDER BY id`)).rows,
  }));
}

// Several ts-node CLI processes per test (1.5-3 s each, far more while the suite loads both
// cores), so well above jest's 60 s default.
jest.setTimeout(240_000);

/**
 * `migration:plan` is only worth reviewing if it is what `migration:run` does: its output,
 * applied by psql to one empty database, must give the same catalog and the same migrations
 * table as `migration:run` on another, and `migration:status` must then find it up to date.
 */
describe('migration:plan applied by psql equals migration:run', () => {
  const admin = () => testAdminSettings();
  const created: string[] = [];
  let scratch: string;

  beforeAll(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'foundation-plan-'));
  });
  afterAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    for (const name of created) await dropDatabase(admin(), name);
  });

  async function emptyDatabase(purpose: string): Promise<ConnectionSettings> {
    const name = uniqueDatabaseName(purpose);
    created.push(name);
    return createDatabase(admin(), name);
  }

  async function compare(
    run: (url: string) => Promise<{ code: number; stderr: string }>,
    plan: (url: string, out: string) => Promise<{ code: number; stderr: string }>,
    status: (url: string) => Promise<{ code: number; stdout: string }>,
  ): Promise<string> {
    const byRun = await emptyDatabase('by_run');
    const byPlan = await emptyDatabase('by_plan');
    const ran = await run(byRun.url);
    expect(ran).toEqual(expect.objectContaining({ code: 0 }));

    const file = path.join(scratch, `${path.basename(byPlan.database)}.sql`);
    const planned = await plan(byPlan.url, file);
    expect(planned).toEqual(expect.objectContaining({ code: 0 }));
    await execFileAsync(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, byPlan.url]);

    const expected = await outcomeOf(byRun);
    expect(expected.rows.length).toBeGreaterThan(0);
    expect(await outcomeOf(byPlan)).toEqual(expected);
    const after = await status(byPlan.url);
    expect(after.stdout).toContain('Up to date.');
    expect(after.code).toBe(0);
    return readFileSync(file, 'utf8');
  }

  it("for the project's migrations", async () => {
    const sql = await compare(
      (url) => runTypeormCli(['migration:run'], { DATABASE_URL: url, TS_NODE_TRANSPILE_ONLY: '1' }),
      (url, out) => runSafetyCli(['plan', '--out', out], { DATABASE_URL: url }),
      (url) => runSafetyCli(['status'], { DATABASE_URL: url }),
    );
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS tenants');
  });

  it('for a migration set with a transaction = false migration, which the plan runs outside a transaction', async () => {
    const set = new MigrationSet([
      { name: 'CreateAlpha1700000000001', up: ['CREATE TABLE alpha (id integer)'], down: ['DROP TABLE alpha'] },
      {
        name: 'IndexAlpha1700000000002',
        up: ['CREATE INDEX CONCURRENTLY ix_alpha_id ON alpha (id)'],
        down: ['DROP INDEX CONCURRENTLY ix_alpha_id'],
        transaction: false,
      },
    ]);
    try {
      const sql = await compare(
        (url) => runTypeorm(['migration:run'], set.dataSourceFile, { DATABASE_URL: url }),
        (url, out) => runSafetyCli(['plan', '--out', out], { DATABASE_URL: url }, set.dataSourceFile),
        (url) => runSafetyCli(['status'], { DATABASE_URL: url }, set.dataSourceFile),
      );
      // psql would have failed on CONCURRENTLY inside BEGIN; check the shape too.
      const indexSection = sql.slice(sql.indexOf('IndexAlpha1700000000002'));
      expect(indexSection).not.toContain('BEGIN;');
    } finally {
      set.remove();
    }
  });
});
