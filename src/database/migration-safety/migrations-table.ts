import { DataSource, QueryRunner } from 'typeorm';
import { createMigrationsTableIfMissing } from '../typeorm-internals';

/**
 * TypeORM's migrations table (`schema_migrations` here) has id, timestamp and name. The
 * safety layer adds four nullable columns to it. They are added at run time, under the
 * migration lock and before anything else, rather than by a migration: the table belongs to
 * TypeORM, which creates it before the first migration runs, and a migration could not record
 * the checksums of the migrations that ran before it. Nullable, so TypeORM's own INSERTs
 * (`--fake`, older code) still work and databases migrated before checksums existed keep their
 * rows; a NULL checksum is adopted (filled in) by the next run.
 */
export const SAFETY_COLUMNS = [
  { name: 'checksum', type: 'text', comment: 'sha256 of the SQL the migration up and down emit (rows recorded before down was covered: up only, upgraded by the next run), recorded when applied; compared before every run.' },
  { name: 'applied_at', type: 'timestamptz', comment: 'When the migration finished applying; NULL for rows from before deploy safety.' },
  { name: 'duration_ms', type: 'integer', comment: 'How long the migration up took, in milliseconds.' },
  { name: 'applied_by', type: 'text', comment: 'Database role, host and process that applied the migration.' },
] as const;

/** One row of the migrations table, oldest first. */
export interface AppliedMigration {
  id: number;
  timestamp: number;
  name: string;
  checksum: string | null;
  appliedAt: Date | null;
  durationMs: number | null;
  appliedBy: string | null;
}

export function migrationsTableName(dataSource: DataSource): string {
  return dataSource.options.migrationsTableName ?? 'migrations';
}

/** The statements that add the missing safety columns (and their comments). */
export function addSafetyColumnsSql(table: string, missing: readonly string[]): string[] {
  return SAFETY_COLUMNS.filter((column) => missing.includes(column.name)).flatMap((column) => [
    `ALTER TABLE "${table}" ADD COLUMN IF NOT EXISTS "${column.name}" ${column.type}`,
    `COMMENT ON COLUMN "${table}"."${column.name}" IS '${column.comment.replaceAll("'", "''")}'`,
  ]);
}

export async function migrationsTableExists(runner: QueryRunner, table: string): Promise<boolean> {
  const rows: unknown[] = await runner.query(`SELECT 1 FROM pg_class WHERE oid = to_regclass($1)`, [`"${table}"`]);
  return rows.length > 0;
}

/** Safety columns the table lacks (all of them when the table does not exist). */
export async function missingSafetyColumns(runner: QueryRunner, table: string): Promise<string[]> {
  const rows: { name: string }[] = await runner.query(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
    [`"${table}"`],
  );
  const present = new Set(rows.map((row) => row.name));
  return SAFETY_COLUMNS.map((column) => column.name).filter((name) => !present.has(name));
}

/**
 * Creates the migrations table the way TypeORM does (TypeORM's own code, so its shape stays
 * TypeORM's) and adds the safety columns it lacks. Only ALTERs when something is missing:
 * ALTER TABLE takes an ACCESS EXCLUSIVE lock even when IF NOT EXISTS finds the column.
 * Run under the migration lock: two processes creating the table at once would collide.
 *
 * One catalog query in the common case (the table exists with every column): its columns, none
 * when there is no table (a table always has one). Returns the columns now present, which
 * readAppliedMigrations can take instead of asking again.
 */
export async function ensureMigrationsTable(dataSource: DataSource, runner: QueryRunner): Promise<string[]> {
  const table = migrationsTableName(dataSource);
  let present = await columnsOf(runner, table);
  if (present.length === 0) {
    await createMigrationsTableIfMissing(dataSource, runner);
    present = await columnsOf(runner, table);
  }
  const missing = SAFETY_COLUMNS.map((column) => column.name).filter((name) => !present.includes(name));
  for (const statement of addSafetyColumnsSql(table, missing)) await runner.query(statement);
  return [...present, ...missing];
}

async function columnsOf(runner: QueryRunner, table: string): Promise<string[]> {
  const rows: { name: string }[] = await runner.query(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
    [`"${table}"`],
  );
  return rows.map((row) => row.name);
}

/**
 * The migrations table's rows in the order they were applied; empty when there is no table.
 * `columns`: the table's columns as ensureMigrationsTable just returned them (it exists), so
 * the catalog is not asked again.
 */
export async function readAppliedMigrations(dataSource: DataSource, runner: QueryRunner, columns?: string[]): Promise<AppliedMigration[]> {
  const table = migrationsTableName(dataSource);
  let missing: string[];
  if (columns) {
    missing = SAFETY_COLUMNS.map((column) => column.name).filter((name) => !columns.includes(name));
  } else {
    if (!(await migrationsTableExists(runner, table))) return [];
    missing = await missingSafetyColumns(runner, table);
  }
  const column = (name: string, type: string) => (missing.includes(name) ? `NULL::${type} AS ${name}` : `"${name}"`);
  const rows: Record<string, unknown>[] = await runner.query(
    `SELECT id, "timestamp", name, ${column('checksum', 'text')}, ${column('applied_at', 'timestamptz')},
            ${column('duration_ms', 'integer')}, ${column('applied_by', 'text')}
     FROM "${table}" ORDER BY id`,
  );
  return rows.map((row) => ({
    id: Number(row.id),
    timestamp: Number(row.timestamp),
    name: String(row.name),
    checksum: (row.checksum as string | null) ?? null,
    appliedAt: (row.applied_at as Date | null) ?? null,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    appliedBy: (row.applied_by as string | null) ?? null,
  }));
}
