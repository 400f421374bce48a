/**
 * EVERY use this project makes of TypeORM beyond its public API, in one place. TypeORM is
 * pinned to exactly TYPEORM_VERSION in package.json (and the lock file) because of these;
 * test/database/typeorm-internals.test.ts checks each of them against the installed TypeORM,
 * so an upgrade that renames, removes or changes one fails there, loudly, before anything
 * else breaks quietly. When upgrading: bump the pin, run that test, fix what it names here.
 *
 * What is used, and why:
 * - PostgresQueryRunner (deep import), subclassed to record SQL instead of sending it
 *   (checksums, `migration:plan`, lint, the revert guard);
 * - PostgresDriver (deep import): a never-connected driver for that runner, and
 *   `obtainMasterConnection()` for a raw pooled client (the migration lock's own connection);
 * - PostgresQueryRunner's `connect()` result (the raw pg client) and its internal
 *   `releasePostgresConnection(error)`, to take the migration lock on the migrating session
 *   and destroy that session if unlocking fails;
 * - MigrationExecutor's protected `getMigrations()` and `insertExecutedMigration()`, overridden
 *   to time each migration and record its checksum in the same transaction;
 * - MigrationExecutor's protected `createMigrationsTableIfNotExist()`, called to create the
 *   migrations table exactly as TypeORM does;
 * - the text of the executor's log line "Migration X has been executed successfully.", which
 *   the quiet command logger turns into a progress line with the duration;
 * - QueryResult (deep import), the structured result a recording runner must return;
 * - the driver's `master` pool and pg-pool's `_clients`, to find this process's backend pids
 *   (terminated on Ctrl-C, so a statement cut short does not run on, holding its locks).
 */
import { DataSource, Migration, MigrationExecutor, MigrationInterface, QueryRunner } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { QueryResult } from 'typeorm/query-runner/QueryResult';

/** The TypeORM version these internals were written and tested against (package.json pins it). */
export const TYPEORM_VERSION = '1.1.1';

/**
 * A PostgreSQL query runner that records every statement instead of sending it, and answers
 * every query with no rows. It is TypeORM's own PostgresQueryRunner, so migrations that use
 * its helpers (createTable, addColumn, startTransaction...) record the SQL those helpers would
 * send, exactly as they would build it.
 */
export class RecordingPostgresQueryRunner extends PostgresQueryRunner {
  readonly statements: string[] = [];

  constructor(
    driver: PostgresDriver,
    private readonly inline: (sql: string, parameters: unknown[]) => string,
  ) {
    super(driver, 'master');
  }

  override async query(sql: string, parameters?: unknown[], useStructuredResult = false): Promise<any> {
    this.statements.push(parameters && parameters.length > 0 ? this.inline(sql, parameters) : sql);
    if (!useStructuredResult) return [];
    const result = new QueryResult();
    result.records = [];
    result.raw = [];
    result.affected = 0;
    return result;
  }

  // TypeORM's helpers read these before building SQL; answer them without recording them.
  override async getCurrentSchema(): Promise<string> {
    return 'public';
  }

  override async getCurrentDatabase(): Promise<string> {
    return 'postgres';
  }

  override async connect(): Promise<any> {
    throw new Error('captureMigrationSql: a migration asked for a real connection, which capture cannot give');
  }

  override async release(): Promise<void> {
    this.isReleased = true;
  }
}

let offlineDataSource: DataSource | undefined;

/**
 * The PostgresDriver of `dataSource` (quoting, type names, its naming strategy), or of a
 * DataSource that is never connected when there is none.
 */
export function postgresDriverOf(dataSource?: DataSource): PostgresDriver {
  if (dataSource?.driver instanceof PostgresDriver) return dataSource.driver;
  offlineDataSource ??= new DataSource({ type: 'postgres' });
  return offlineDataSource.driver as PostgresDriver;
}

/** A raw pg client from the DataSource's pool, with the function that gives it back. */
export interface RawPooledClient {
  client: { query(sql: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }> };
  release(error?: unknown): void;
}

export async function obtainRawConnection(dataSource: DataSource): Promise<RawPooledClient> {
  const [client, release] = (await (dataSource.driver as PostgresDriver).obtainMasterConnection()) as [
    RawPooledClient['client'] & NodeJS.EventEmitter,
    RawPooledClient['release'],
  ];
  // pg-pool listens for errors only on idle clients: a checked-out client whose session the
  // server ends (an administrator, a restart, Ctrl-C's cleanup) would crash the process with an
  // unhandled 'error' event. The query in flight rejects anyway, which is where it is handled.
  let lastError: unknown;
  const onError = (error: unknown) => (lastError = error);
  client.on('error', onError);
  return {
    client,
    release: (error?: unknown) => {
      client.removeListener('error', onError);
      release(error ?? lastError);
    },
  };
}

/**
 * The raw pg client of a query runner's own session (connecting it if needed), for the migration
 * lock: queries on it are not logged. Its `release(error)` destroys the session through the
 * runner's internal `releasePostgresConnection(error)` (a session that may still hold the lock
 * must not go back to the pool); without an error it does nothing, the runner's own release()
 * returns the connection.
 */
export async function rawConnectionOf(runner: QueryRunner): Promise<RawPooledClient> {
  const client = (await runner.connect()) as RawPooledClient['client'];
  return {
    client,
    release: (error?: unknown) => {
      if (error === undefined) return;
      void (runner as unknown as { releasePostgresConnection(error: unknown): Promise<void> }).releasePostgresConnection(error);
    },
  };
}

/** The protected MigrationExecutor method this project calls (createMigrationsTable). */
interface ExecutorInternals {
  createMigrationsTableIfNotExist(queryRunner: QueryRunner): Promise<void>;
}

/** Creates TypeORM's migrations table if missing, with TypeORM's own code, so its shape stays TypeORM's. */
export async function createMigrationsTableIfMissing(dataSource: DataSource, runner: QueryRunner): Promise<void> {
  const executor = new MigrationExecutor(dataSource, runner) as unknown as ExecutorInternals;
  await executor.createMigrationsTableIfNotExist(runner);
}

/**
 * TypeORM's MigrationExecutor (its pending-migration logic, transaction modes, per-migration
 * `transaction = false`, `--fake` and log lines stay TypeORM's) with two hooks: each migration
 * instance can be replaced by a wrapper before it runs, and the row recording an applied
 * migration is written by the subclass, in the same transaction as the migration.
 */
export abstract class HookedMigrationExecutor extends MigrationExecutor {
  protected abstract wrapMigration(name: string, instance: MigrationInterface): MigrationInterface;

  protected abstract recordAppliedMigration(queryRunner: QueryRunner, migration: { name: string; timestamp: number }): Promise<void>;

  protected override getMigrations(): Migration[] {
    return super.getMigrations().map((migration) => {
      if (migration.instance) migration.instance = this.wrapMigration(migration.name, migration.instance);
      return migration;
    });
  }

  protected override async insertExecutedMigration(queryRunner: QueryRunner, migration: Migration): Promise<void> {
    await this.recordAppliedMigration(queryRunner, migration);
  }
}

/** The line TypeORM's executor logs (as a "schema" log) after each migration has committed. */
const MIGRATION_SUCCESS = /^Migration (\S+) has been (\(fake\) )?executed successfully\.$/;

/** The migration name in TypeORM's success line, or undefined for any other message. */
export function migrationOfSuccessLine(message: string): { name: string; fake: boolean } | undefined {
  const match = MIGRATION_SUCCESS.exec(message);
  return match ? { name: match[1]!, fake: match[2] !== undefined } : undefined;
}

/**
 * The PostgreSQL backend pids of the connections this DataSource's pool holds. On Ctrl-C they
 * are terminated: a client that merely disconnects leaves its statement running on the server
 * (PostgreSQL notices only when it next writes to the socket), holding its locks and the
 * migration lock until it ends.
 */
export function backendPidsOf(dataSource: DataSource): number[] {
  const pool = (dataSource.driver as unknown as { master?: { _clients?: { processID?: number }[] } }).master;
  return (pool?._clients ?? []).map((client) => client.processID).filter((pid): pid is number => typeof pid === 'number' && pid > 0);
}
