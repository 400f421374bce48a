import { Client } from 'pg';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { MIGRATION_LOCK_KEY, MigrationSafetyError } from '../../src/database/migration-safety';
import { catalogOf } from '../support/catalog';
import { withMigrations } from '../support/safety-data-source';
import { useTestDatabase } from '../support/test-database';

class AddTenantNote1800000000000 implements MigrationInterface {
  name = 'AddTenantNote1800000000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tenants ADD COLUMN note text`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tenants DROP COLUMN note`);
  }
}

/** Runs `work` with some environment variables set, restoring them afterwards. */
async function withEnv<T>(values: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  try {
    return await work();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/**
 * Another connection in the way: a run fails (with a message that says what to do) instead
 * of waiting without end, and applies nothing.
 */
describe('a run blocked by another connection', () => {
  const db = useTestDatabase('migrated');
  let other: Client;

  beforeEach(async () => {
    other = new Client({ connectionString: db.settings.url, application_name: 'blocking test session' });
    await other.connect();
  });
  afterEach(async () => {
    await other.end();
  });

  async function state() {
    return {
      catalog: await catalogOf(db.dataSource),
      rows: await db.dataSource.query(`SELECT id, name, checksum FROM schema_migrations ORDER BY id`),
    };
  }

  it('holding the migration lock: the run gives up when MIGRATION_LOCK_WAIT expires, naming the holder', async () => {
    await other.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
    const holderPid = (await other.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const before = await state();

    const project = db.dataSource.migrations.map((migration) => migration.constructor as Function);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const error = await withEnv({ MIGRATION_LOCK_WAIT: '1s' }, () =>
      withMigrations(db.settings, [...project, AddTenantNote1800000000000], (dataSource) => dataSource.runMigrations()).then(
        () => undefined,
        (failure: unknown) => failure,
      ),
    );
    const written = stderr.mock.calls.map(([chunk]) => String(chunk));
    stderr.mockRestore();
    const waitingLines = written.filter((line) => line.includes('Waiting for the migration lock'));
    expect(waitingLines).toEqual([expect.stringContaining(`held by backend pid ${holderPid}`)]);
    expect(error).toBeInstanceOf(MigrationSafetyError);
    expect((error as MigrationSafetyError).exitCode).toBe(6);
    expect((error as Error).message).toContain(`Could not get the migration lock within 1s: another migration run (backend pid ${holderPid})`);
    expect(await state()).toEqual(before);
  });

  it('MIGRATION_LOCK_WAIT=0 waits without a limit until the holder lets go, then runs', async () => {
    await other.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
    const project = db.dataSource.migrations.map((migration) => migration.constructor as Function);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      let settled = false;
      const run = withEnv({ MIGRATION_LOCK_WAIT: '0' }, () =>
        withMigrations(db.settings, [...project, AddTenantNote1800000000000], (dataSource) => dataSource.runMigrations()),
      ).finally(() => {
        settled = true;
      });
      // Well past the first poll: a zero wait that meant "give up at once" would have failed by now.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(settled).toBe(false);
      await other.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
      const applied = await run;
      expect(applied.map((migration) => migration.name)).toEqual(['AddTenantNote1800000000000']);
      const written = stderr.mock.calls.map(([chunk]) => String(chunk)).join('');
      expect(written).toContain('waiting without a limit');
    } finally {
      stderr.mockRestore();
      // Leave the shared test database as the other tests expect it.
      await db.dataSource.query(`ALTER TABLE tenants DROP COLUMN IF EXISTS note`);
      await db.dataSource.query(`DELETE FROM schema_migrations WHERE name = 'AddTenantNote1800000000000'`);
    }
  });

  it('holding a lock on a table the migration alters: lock_timeout fails it with a clear message, nothing applied', async () => {
    await other.query('BEGIN');
    await other.query('SELECT count(*) FROM tenants'); // ACCESS SHARE, held until the transaction ends
    const before = await state();

    const project = db.dataSource.migrations.map((migration) => migration.constructor as Function);
    const error = await withEnv({ MIGRATION_LOCK_TIMEOUT: '300ms' }, () =>
      withMigrations(db.settings, [...project, AddTenantNote1800000000000], (dataSource) => dataSource.runMigrations()).then(
        () => undefined,
        (failure: unknown) => failure,
      ),
    );
    await other.query('ROLLBACK');
    expect(error).toBeInstanceOf(MigrationSafetyError);
    expect((error as Error).message).toContain(
      'migration AddTenantNote1800000000000 could not get a lock on table tenants within 300ms (lock_timeout, MIGRATION_LOCK_TIMEOUT); a long transaction is holding it',
    );
    expect(((error as Error).cause as { code?: string }).code).toBe('55P03');
    expect(await state()).toEqual(before);
  });

  it('a statement running past MIGRATION_STATEMENT_TIMEOUT is cancelled with a clear message, nothing applied', async () => {
    class SlowBackfill1800000000001 implements MigrationInterface {
      name = 'SlowBackfill1800000000001';
      async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE slow_backfill (id integer)`);
        await queryRunner.query(`SELECT pg_sleep(5)`);
      }
      async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE slow_backfill`);
      }
    }
    const before = await state();
    const project = db.dataSource.migrations.map((migration) => migration.constructor as Function);
    const error = await withEnv({ MIGRATION_STATEMENT_TIMEOUT: '200ms' }, () =>
      withMigrations(db.settings, [...project, SlowBackfill1800000000001], (dataSource) => dataSource.runMigrations()).then(
        () => undefined,
        (failure: unknown) => failure,
      ),
    );
    expect(error).toBeInstanceOf(MigrationSafetyError);
    expect((error as Error).message).toContain(
      'migration SlowBackfill1800000000001 was cancelled after 200ms (statement_timeout, MIGRATION_STATEMENT_TIMEOUT)',
    );
    expect(await state()).toEqual(before);
  });
});
