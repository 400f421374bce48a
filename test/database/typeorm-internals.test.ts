import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Logger, MigrationExecutor, MigrationInterface, QueryRunner, Table } from 'typeorm';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { foundationDataSourceFor } from '../../src/database/data-sources';
import {
  backendPidsOf,
  createMigrationsTableIfMissing,
  HookedMigrationExecutor,
  migrationOfSuccessLine,
  obtainRawConnection,
  postgresDriverOf,
  rawConnectionOf,
  RecordingPostgresQueryRunner,
  TYPEORM_VERSION,
} from '../../src/database/typeorm-internals';
import { PROJECT_ROOT } from '../support/cli';
import { useTestDatabase } from '../support/test-database';

/**
 * Each use of TypeORM beyond its public API (src/database/typeorm-internals.ts), checked
 * against the installed TypeORM, so an upgrade that changes one fails here, by name.
 */
describe('TypeORM internals this project relies on', () => {
  const db = useTestDatabase('empty');

  it('TypeORM is pinned exactly, to the version these internals were written for', () => {
    const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8'));
    const installed = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'node_modules/typeorm/package.json'), 'utf8')).version;
    // A peer dependency (the application brings its own, one TypeORM per process), pinned as
    // exactly for applications as for this project's own install.
    expect(manifest.peerDependencies.typeorm).toBe(TYPEORM_VERSION);
    expect(manifest.devDependencies.typeorm).toBe(TYPEORM_VERSION);
    expect(lock.packages['node_modules/typeorm'].version).toBe(TYPEORM_VERSION);
    expect(installed).toBe(TYPEORM_VERSION);
  });

  it('MigrationExecutor still has the protected methods overridden or called, with the arities used', () => {
    const proto = MigrationExecutor.prototype as unknown as Record<string, Function>;
    expect(typeof proto.getMigrations).toBe('function');
    expect(typeof proto.insertExecutedMigration).toBe('function');
    expect(proto.insertExecutedMigration!.length).toBe(2);
    expect(typeof proto.createMigrationsTableIfNotExist).toBe('function');
    expect(typeof proto.executePendingMigrations).toBe('function');
  });

  it('PostgresQueryRunner can be subclassed to record: the methods overridden exist, and helpers record their SQL', async () => {
    for (const method of ['query', 'getCurrentSchema', 'getCurrentDatabase', 'connect', 'release']) {
      expect(typeof (PostgresQueryRunner.prototype as unknown as Record<string, unknown>)[method]).toBe('function');
    }
    const runner = new RecordingPostgresQueryRunner(postgresDriverOf(), (sql) => sql);
    await (runner as unknown as QueryRunner).query('SELECT 1');
    await (runner as unknown as QueryRunner).createTable(new Table({ name: 'widgets', columns: [{ name: 'id', type: 'integer' }] }));
    expect(runner.statements[0]).toBe('SELECT 1');
    expect(runner.statements.some((sql) => /CREATE TABLE .*widgets/.test(sql))).toBe(true);
  });

  it('createMigrationsTableIfNotExist creates the migrations table; the pool gives raw clients and knows their backend pids', async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      await createMigrationsTableIfMissing(db.dataSource, runner);
    } finally {
      await runner.release();
    }
    const [{ exists }] = await db.dataSource.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`);
    expect(exists).toBe(true);

    const raw = await obtainRawConnection(db.dataSource);
    try {
      const { rows } = await raw.client.query('SELECT pg_backend_pid() AS pid');
      expect(backendPidsOf(db.dataSource)).toContain(Number(rows[0]!.pid));
    } finally {
      raw.release();
    }
  });

  it("a query runner's raw client is its own session, and releasing it with an error destroys that session", async () => {
    const runner = db.dataSource.createQueryRunner('master');
    const raw = await rawConnectionOf(runner);
    const [{ pid: runnerPid }] = await runner.query('SELECT pg_backend_pid() AS pid');
    const { rows } = await raw.client.query('SELECT pg_backend_pid() AS pid');
    expect(Number(rows[0]!.pid)).toBe(Number(runnerPid));
    raw.release(); // without an error: nothing, the runner still owns the session
    expect(runner.isReleased).toBe(false);
    await raw.client.query('SELECT pg_advisory_lock(42)');
    raw.release(new Error('unlock failed'));
    expect(runner.isReleased).toBe(true);
    // The pool destroyed the client rather than take it back: its session, and the lock, end.
    expect(backendPidsOf(db.dataSource)).not.toContain(Number(runnerPid));
    let held = true;
    for (let attempt = 0; attempt < 100 && held; attempt++) {
      const locks: unknown[] = await db.dataSource.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 42 AND pid = $1`, [Number(runnerPid)]);
      held = locks.length > 0;
      if (held) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(held).toBe(false);
  });

  it("the executor's hooks run, and its success line is the one the progress output reads", async () => {
    const lines: string[] = [];
    const logger: Logger = {
      logQuery: () => undefined,
      logQueryError: () => undefined,
      logQuerySlow: () => undefined,
      logSchemaBuild: (message) => void lines.push(message),
      logMigration: () => undefined,
      log: () => undefined,
    };
    const migration: MigrationInterface = {
      name: 'CreateProbe1700000000001',
      up: async (runner) => void (await runner.query('CREATE TABLE probe (id integer)')),
      down: async (runner) => void (await runner.query('DROP TABLE probe')),
    };
    const dataSource = foundationDataSourceFor(db.settings, { migrations: [], logger });
    await dataSource.initialize();
    const hooked: string[] = [];
    class Probe extends HookedMigrationExecutor {
      protected override wrapMigration(name: string, instance: MigrationInterface): MigrationInterface {
        hooked.push(`wrap ${name}`);
        return instance;
      }
      protected override async recordAppliedMigration(runner: QueryRunner, applied: { name: string; timestamp: number }): Promise<void> {
        hooked.push(`record ${applied.name} ${applied.timestamp}`);
        await runner.query(`INSERT INTO schema_migrations ("timestamp", name) VALUES ($1, $2)`, [applied.timestamp, applied.name]);
      }
    }
    try {
      (dataSource as unknown as { migrations: MigrationInterface[] }).migrations = [migration];
      const runner = dataSource.createQueryRunner();
      const executor = new Probe(dataSource, runner);
      executor.transaction = 'each';
      await executor.executePendingMigrations();
      await runner.release();
    } finally {
      await dataSource.destroy();
    }
    expect(hooked).toEqual(['wrap CreateProbe1700000000001', 'record CreateProbe1700000000001 1700000000001']);
    const success = lines.map(migrationOfSuccessLine).filter(Boolean);
    expect(success).toEqual([{ name: 'CreateProbe1700000000001', fake: false }]);
  });
});
