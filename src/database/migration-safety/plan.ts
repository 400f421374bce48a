import { DataSource } from 'typeorm';
import { createMigrationsTableIfMissing } from '../typeorm-internals';
import { captureMigrationSql, createRecordingQueryRunner } from './capture-migration-sql';
import { checksumMismatchError, compareChecksums, migrationChecksum, migrationNameOf } from './checksums';
import { EXIT, MigrationSafetyError } from './errors';
import {
  addSafetyColumnsSql,
  migrationsTableExists,
  migrationsTableName,
  missingSafetyColumns,
  readAppliedMigrations,
} from './migrations-table';
import { migrationTimestampOf, pendingMigrations } from './status';
import { MigrationSafetySettings } from './settings';

/**
 * The SQL `migration:run` would send for the pending migrations, as a psql script: the same
 * statements in the same transactions (none for `transaction = false` migrations), the
 * migrations table created or completed if needed, and the same bookkeeping row per migration
 * (with its checksum), so that `psql -v ON_ERROR_STOP=1 -f plan.sql` leaves the database as
 * `migration:run` would and `migration:status` agrees afterwards. Reads only.
 *
 * What the plan cannot show: SQL a migration decides on from what it reads (captured as if the
 * reads returned no rows).
 */
export async function buildMigrationPlan(dataSource: DataSource, settings: MigrationSafetySettings): Promise<{ sql: string; pending: string[] }> {
  const reader = dataSource.createQueryRunner('master');
  let applied;
  let tableExists;
  let missingColumns;
  const table = migrationsTableName(dataSource);
  try {
    applied = await readAppliedMigrations(dataSource, reader);
    tableExists = await migrationsTableExists(reader, table);
    missingColumns = await missingSafetyColumns(reader, table);
  } finally {
    await reader.release();
  }
  // Refuse what migration:run would refuse: a plan on top of an edited migration would record
  // new migrations over SQL that no longer says what the database holds.
  const checksums = await compareChecksums(dataSource, applied);
  if (checksums.mismatches.length > 0) throw checksumMismatchError(checksums.mismatches);
  const pending = pendingMigrations(dataSource.migrations, new Set(applied.map((row) => row.name)));
  const mode = dataSource.options.migrationsTransactionMode ?? 'all';
  if (mode === 'all' && pending.some((migration) => migration.transaction !== undefined)) {
    throw new MigrationSafetyError('migrationsTransactionMode "all" cannot honour a migration that sets its own transaction option', EXIT.failed);
  }

  const out: string[] = [
    `-- migration:plan: ${pending.length} pending migration(s), in the order migration:run applies them.`,
    `-- Apply with: psql -v ON_ERROR_STOP=1 -f <this file> (not --single-transaction: each migration has its own)`,
    `SET lock_timeout = '${settings.lockTimeoutMs}ms';`,
    `SET statement_timeout = '${settings.statementTimeoutMs}ms';`,
  ];
  if (!tableExists) {
    out.push('', `-- TypeORM's migrations table`, ...(await migrationsTableSql(dataSource)).map(terminate));
  }
  if (missingColumns.length > 0) {
    out.push('', '-- deploy-safety columns of the migrations table', ...addSafetyColumnsSql(table, missingColumns).map(terminate));
  }
  if (checksums.unrecorded.length > 0) {
    // migration:run adopts migrations applied before checksums existed; so does the plan.
    out.push('', '-- checksums of migrations applied before checksums existed (adopted, as migration:run does)');
    for (const name of checksums.unrecorded) {
      out.push(terminate(`UPDATE "${table}" SET checksum = ${quote(checksums.current.get(name)!)} WHERE name = ${quote(name)} AND checksum IS NULL`));
    }
  }
  if (checksums.legacy.length > 0) {
    out.push('', '-- checksums recorded in the up-only format, upgraded to up and down (as migration:run does)');
    for (const name of checksums.legacy) {
      out.push(terminate(`UPDATE "${table}" SET checksum = ${quote(checksums.current.get(name)!)} WHERE name = ${quote(name)}`));
    }
  }
  if (mode === 'all' && pending.length > 0) out.push('', 'BEGIN;');
  for (const [index, migration] of pending.entries()) {
    const name = migrationNameOf(migration);
    const inOwnTransaction = mode === 'each' && migration.transaction !== false;
    const statements = await captureMigrationSql(migration, 'up', dataSource);
    const checksum = await migrationChecksum(migration, dataSource);
    out.push('', `-- ${index + 1}/${pending.length} ${name}${migration.transaction === false ? ' (transaction = false: runs outside a transaction)' : ''}`);
    if (inOwnTransaction) out.push('BEGIN;');
    out.push(...statements.map(terminate));
    out.push(
      terminate(
        `INSERT INTO "${table}" ("timestamp", name, checksum, applied_at, duration_ms, applied_by) ` +
          `VALUES (${migrationTimestampOf(name)}, ${quote(name)}, ${quote(checksum)}, clock_timestamp(), NULL, current_user || ' via migration:plan')`,
      ),
    );
    if (inOwnTransaction) out.push('COMMIT;');
  }
  if (mode === 'all' && pending.length > 0) out.push('COMMIT;');
  return { sql: `${out.join('\n')}\n`, pending: pending.map(migrationNameOf) };
}

/** TypeORM's CREATE TABLE for its migrations table, captured from TypeORM's own code. */
async function migrationsTableSql(dataSource: DataSource): Promise<string[]> {
  const { runner, statements } = createRecordingQueryRunner(dataSource);
  await createMigrationsTableIfMissing(dataSource, runner);
  // The recorded existence check is a SELECT with no effect; only the DDL is the plan.
  return statements.filter((statement) => !/^\s*SELECT\b/i.test(statement));
}

/** One statement as psql needs it: ending in exactly one semicolon. */
function terminate(statement: string): string {
  const trimmed = statement.trim().replace(/;+$/, '').trimEnd();
  return `${trimmed};`;
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
