import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { postgresDriverOf, RecordingPostgresQueryRunner } from '../typeorm-internals';

/**
 * A query runner that records instead of sending. With a DataSource, TypeORM's helpers build
 * their SQL with that DataSource's naming strategy and options, exactly as a real run would;
 * the DataSource is not used to connect and need not be initialised.
 */
export function createRecordingQueryRunner(dataSource?: DataSource): { runner: QueryRunner; statements: string[] } {
  const runner = new RecordingPostgresQueryRunner(postgresDriverOf(dataSource), inlineParameters);
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
 * The one way this project captures a migration's SQL: migration checksums, `migration:plan`,
 * the partial-schema and revert guards, the migration linter, and (with recordWhileSending, for
 * SQL sent by a real run) the benchmark's psql floor.
 */
export async function captureMigrationSql(
  migration: MigrationInterface,
  direction: 'up' | 'down',
  dataSource?: DataSource,
): Promise<string[]> {
  // Captured once per migration instance: checksums, the partial-schema probe and the revert
  // guard all read the same SQL within one command.
  const key = `${direction}:${dataSource ? 'with-data-source' : 'offline'}`;
  const cached = captured.get(migration)?.get(key);
  if (cached) return [...cached];
  const { runner, statements } = createRecordingQueryRunner(dataSource);
  await migration[direction](runner);
  if (!captured.has(migration)) captured.set(migration, new Map());
  captured.get(migration)!.set(key, [...statements]);
  return statements;
}

const captured = new WeakMap<MigrationInterface, Map<string, string[]>>();

/** Whether `runner` is capture's own (records, sends nothing), rather than a real session. */
export function isCaptureRunner(runner: QueryRunner): boolean {
  return runner instanceof RecordingPostgresQueryRunner;
}

/**
 * The same, real query runner, with every `query()` also written down into `into`, parameters
 * inlined as captureMigrationSql inlines them. For recording what a migration really sends
 * while it runs (the benchmark's psql floor): a migration that reads the catalog before deciding
 * what to do is recorded as it ran, not as if the database were empty.
 */
export function recordWhileSending(queryRunner: QueryRunner, into: string[]): QueryRunner {
  return new Proxy(queryRunner, {
    get(target, property, receiver) {
      if (property === 'query') {
        return (sql: string, parameters?: unknown[], ...rest: unknown[]) => {
          into.push(parameters?.length ? inlineParameters(sql, parameters) : sql);
          return (target.query as (...args: unknown[]) => unknown)(sql, parameters, ...rest);
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
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
