import { readSafetySettings, revertMigrationsSafely } from '../../src/database/migration-safety';
import { runSafetyCli, runTypeorm } from '../support/cli';
import { MigrationSet, MigrationSpec, migrationClasses } from '../support/migration-set';
import { withMigrations } from '../support/safety-data-source';
import { useTestDatabase } from '../support/test-database';

const ALPHA: MigrationSpec = {
  name: 'CreateAlpha1700000000001',
  up: ['CREATE TABLE alpha (id integer)'],
  down: ['DROP TABLE alpha'],
};
const BETA: MigrationSpec = {
  name: 'CreateBeta1700000000002',
  up: ['CREATE TABLE beta (id integer)'],
  down: ['DROP TABLE beta'],
};
/** DROP INDEX CONCURRENTLY cannot run in a transaction: reverting it proves transaction = false is honoured. */
const ALPHA_INDEX: MigrationSpec = {
  name: 'IndexAlpha1700000000003',
  up: ['CREATE INDEX CONCURRENTLY ix_alpha_id ON alpha (id)'],
  down: ['DROP INDEX CONCURRENTLY ix_alpha_id'],
  transaction: false,
};
const GAMMA: MigrationSpec = {
  name: 'CreateGamma1700000000004',
  up: ['CREATE TABLE gamma (id integer)'],
  down: ['DROP TABLE gamma'],
};
const ALL = [ALPHA, BETA, ALPHA_INDEX, GAMMA];

// Two ts-node CLI processes in the last test, slow while the suite loads both cores.
jest.setTimeout(240_000);

/** Reverting several migrations in one command, latest first, each in its own transaction. */
describe('revert several migrations', () => {
  const db = useTestDatabase('empty');
  const silent = () => undefined;

  async function applied(): Promise<string[]> {
    return (await db.dataSource.query(`SELECT name FROM schema_migrations ORDER BY id`)).map((row: { name: string }) => row.name);
  }
  async function relations(): Promise<string[]> {
    const rows: { relname: string }[] = await db.dataSource.query(
      `SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname IN ('alpha', 'beta', 'gamma', 'ix_alpha_id') ORDER BY relname`,
    );
    return rows.map((row) => row.relname);
  }
  const migrateAll = () => withMigrations(db.settings, migrationClasses(ALL), (dataSource) => dataSource.runMigrations());

  beforeEach(migrateAll);

  it('--count N reverts the latest N, including a transaction = false one', async () => {
    const report = await withMigrations(db.settings, migrationClasses(ALL), (dataSource) =>
      revertMigrationsSafely(dataSource, { count: 2 }, readSafetySettings(), silent),
    );
    expect(report).toEqual({ reverted: [GAMMA.name, ALPHA_INDEX.name], notReverted: [] });
    expect(await applied()).toEqual([ALPHA.name, BETA.name]);
    expect(await relations()).toEqual(['alpha', 'beta']);
  });

  it('--to <name> reverts everything applied after it, leaving it applied', async () => {
    const report = await withMigrations(db.settings, migrationClasses(ALL), (dataSource) =>
      revertMigrationsSafely(dataSource, { to: ALPHA.name }, readSafetySettings(), silent),
    );
    expect(report.reverted).toEqual([GAMMA.name, ALPHA_INDEX.name, BETA.name]);
    expect(await applied()).toEqual([ALPHA.name]);
    expect(await relations()).toEqual(['alpha']);
  });

  it('reports a failing down that ran without a transaction as possibly half done, not as rolled back', async () => {
    const failingIndex = { ...ALPHA_INDEX, down: ['DROP INDEX CONCURRENTLY ix_alpha_id', 'SELECT 1 / 0'] };
    // The failing down must be the one applied: checksums cover down, so editing it afterwards is refused.
    await db.dataSource.query(`DROP TABLE IF EXISTS alpha, beta, gamma, schema_migrations`);
    await withMigrations(db.settings, migrationClasses([ALPHA, BETA, failingIndex, GAMMA]), (dataSource) => dataSource.runMigrations());
    const report = await withMigrations(db.settings, migrationClasses([ALPHA, BETA, failingIndex, GAMMA]), (dataSource) =>
      revertMigrationsSafely(dataSource, { count: 3 }, readSafetySettings(), silent),
    );
    expect(report.reverted).toEqual([GAMMA.name]);
    expect(report.failed).toEqual(expect.objectContaining({ name: ALPHA_INDEX.name, rolledBack: false }));
    expect(report.notReverted).toEqual([BETA.name]);
    // Its first statement stayed done: the index is gone, yet the migration is still recorded.
    expect(await relations()).toEqual(['alpha', 'beta']);
    expect(await applied()).toEqual([ALPHA.name, BETA.name, ALPHA_INDEX.name]);
    await db.dataSource.query(`DROP TABLE IF EXISTS alpha, beta, gamma, schema_migrations`);
  });

  it('refuses a count that is not a whole number of at least 1, reverting nothing', async () => {
    for (const count of [0, -1, 1.5]) {
      await expect(
        withMigrations(db.settings, migrationClasses(ALL), (dataSource) =>
          revertMigrationsSafely(dataSource, { count }, readSafetySettings(), silent),
        ),
      ).rejects.toThrow(`Cannot revert ${count} migrations: the count must be a whole number of at least 1`);
    }
    expect(await applied()).toEqual([ALPHA.name, BETA.name, ALPHA_INDEX.name, GAMMA.name]);
  });

  it('TypeORM-style undoLastMigration (migration:revert of the TypeORM CLI) honours transaction = false too', async () => {
    await withMigrations(db.settings, migrationClasses(ALL), async (dataSource) => {
      await dataSource.undoLastMigration();
      await dataSource.undoLastMigration();
    });
    expect(await applied()).toEqual([ALPHA.name, BETA.name]);
  });

  it('stops at a failing down, rolls it back, and reports what was and was not reverted (CLI)', async () => {
    const set = new MigrationSet([...ALL.filter((spec) => spec !== BETA), { ...BETA, down: ['DROP TABLE beta', 'SELECT 1 / 0'] }]);
    try {
      await db.dataSource.query(`DROP TABLE IF EXISTS alpha, beta, gamma, schema_migrations`);
      expect((await runTypeorm(['migration:run'], set.dataSourceFile, { DATABASE_URL: db.settings.url })).code).toBe(0);
      const result = await runSafetyCli(['revert', '--count', '4'], { DATABASE_URL: db.settings.url }, set.dataSourceFile);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`Reverted (2): ${GAMMA.name}, ${ALPHA_INDEX.name}`);
      expect(result.stdout).toContain(`Failed: ${BETA.name} (rolled back, still applied): division by zero`);
      expect(result.stdout).toContain(`Not reverted (1): ${ALPHA.name}`);
      expect(await applied()).toEqual([ALPHA.name, BETA.name]);
      // beta's DROP TABLE was rolled back with the rest of its down.
      expect(await relations()).toEqual(['alpha', 'beta']);

      // The standard TypeORM CLI's revert goes through the same path and also stops there.
      const typeorm = await runTypeorm(['migration:revert'], set.dataSourceFile, { DATABASE_URL: db.settings.url });
      expect(typeorm.code).not.toBe(0);
      expect(await applied()).toEqual([ALPHA.name, BETA.name]);
    } finally {
      set.remove();
      // Leave the database for the next test: drop everything of this set.
      await db.dataSource.query(`DROP TABLE IF EXISTS alpha, beta, gamma, schema_migrations`);
    }
  });
});
