import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { QueryResult } from 'typeorm/query-runner/QueryResult';

/**
 * A PostgreSQL query runner that records every statement instead of sending it, and answers
 * every query with no rows. It is TypeORM's own PostgresQueryRunner, so migrations that use
 * its helpers (createTable, addColumn, startTransaction...) record the SQL those helpers would
 * send, exactly as they would build it.
 */
class RecordingQueryRunner extends PostgresQueryRunner {
  readonly statements: string[] = [];

  override async query(sql: string, parameters?: unknown[], useStructuredResult = false): Promise<any> {
    this.statements.push(parameters && parameters.length > 0 ? inlineParameters(sql, parameters) : sql);
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

/**
 * A DataSource that is never connected: it exists so that a PostgresDriver (needed for
 * quoting, type names and the naming strategy) can back the recording runner.
 */
let offlineDataSource: DataSource | undefined;
function offlineDriver(): PostgresDriver {
  offlineDataSource ??= new DataSource({ type: 'postgres' });
  return offlineDataSource.driver as PostgresDriver;
}

/**
 * A query runner that records instead of sending. With a DataSource, TypeORM's helpers build
 * their SQL with that DataSource's naming strategy and options, exactly as a real run would;
 * the DataSource is not used to connect and need not be initialised.
 */
export function createRecordingQueryRunner(dataSource?: DataSource): { runner: QueryRunner; statements: string[] } {
  const driver = dataSource?.driver instanceof PostgresDriver ? dataSource.driver : offlineDriver();
  const runner = new RecordingQueryRunner(driver, 'master');
  return { runner: runner as unknown as QueryRunner, statements: runner.statements };
}

/**
 * The SQL statements that `migration[direction]` sends, in order, captured without touching a
 * database. Queries that read (SELECT ...) get no rows back, so a migration whose SQL depends
 * on what it reads is captured as if the database were empty; this keeps the capture
 * deterministic, which is what a checksum needs. Parameters ($1, $2...) are inlined as SQL
 * literals so that every statement can be replayed by psql.
 *
 * Pass the project's DataSource to capture helper-built SQL (createTable...) with its naming
 * strategy; without one, TypeORM's defaults are used. Raw `queryRunner.query` SQL is the same
 * either way.
 *
 * Used for migration checksums, for `migration:plan`, and by the migration linter.
 */
export async function captureMigrationSql(
  migration: MigrationInterface,
  direction: 'up' | 'down',
  dataSource?: DataSource,
): Promise<string[]> {
  const { runner, statements } = createRecordingQueryRunner(dataSource);
  await migration[direction](runner);
  return statements;
}

/**
 * Replaces $1, $2... with SQL literals. A plain text substitution: a `$1` inside a quoted
 * string of the same statement would be replaced too, which migrations have no reason to write.
 */
export function inlineParameters(sql: string, parameters: unknown[]): string {
  return sql.replace(/\$(\d+)\b/g, (placeholder, index: string) => {
    const position = Number(index) - 1;
    return position < parameters.length ? toSqlLiteral(parameters[position]) : placeholder;
  });
}

function toSqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return quote(value.toISOString());
  if (typeof value === 'object') return quote(JSON.stringify(value));
  return quote(String(value));
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
