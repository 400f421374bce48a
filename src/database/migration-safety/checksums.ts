import { createHash } from 'node:crypto';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { captureMigrationSql } from './capture-migration-sql';
import { EXIT, MigrationSafetyError } from './errors';
import { AppliedMigration, migrationsTableName } from './migrations-table';

/** The name TypeORM records for a migration class. */
export function migrationNameOf(migration: MigrationInterface): string {
  return migration.name ?? migration.constructor.name;
}

/**
 * sha256 of the SQL a migration's `up` and `down` emit: revert is a deploy step too, so an
 * edit of either is an edit of the migration. Computed from the captured statements rather
 * than the source file, so the TypeScript source (ts-node) and the compiled JavaScript (deploys)
 * agree, and so comments, formatting of the code around the SQL, and imports do not count.
 */
export async function migrationChecksum(migration: MigrationInterface, dataSource?: DataSource): Promise<string> {
  const up = await captureMigrationSql(migration, 'up', dataSource);
  const down = await captureMigrationSql(migration, 'down', dataSource);
  return sha256(JSON.stringify({ up, down }));
}

/**
 * The checksum format recorded before `down` was covered: sha256 of the `up` statements alone.
 * Databases deployed then hold it; a row that matches it is the same migration, and is
 * upgraded to the current format by the next run (no false alarm).
 */
export async function legacyUpOnlyChecksum(migration: MigrationInterface, dataSource?: DataSource): Promise<string> {
  return sha256(JSON.stringify(await captureMigrationSql(migration, 'up', dataSource)));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface ChecksumReport {
  /** Applied migrations whose code emits different SQL from what was applied. */
  mismatches: { name: string; recorded: string; current: string }[];
  /** Applied migrations without a recorded checksum (applied before checksums existed). */
  unrecorded: string[];
  /** Applied migrations whose recorded checksum is the older up-only format of the same code. */
  legacy: string[];
  /** Names in the migrations table that no migration class in the code has. */
  unknown: string[];
  /** Current checksum of every migration in the code, by name. */
  current: Map<string, string>;
}

/** Compares every applied migration's recorded checksum with its code's. Reads only. */
export async function compareChecksums(dataSource: DataSource, applied: AppliedMigration[]): Promise<ChecksumReport> {
  const current = new Map<string, string>();
  for (const migration of dataSource.migrations) current.set(migrationNameOf(migration), await migrationChecksum(migration, dataSource));
  const report: ChecksumReport = { mismatches: [], unrecorded: [], legacy: [], unknown: [], current };
  const byName = new Map(dataSource.migrations.map((migration) => [migrationNameOf(migration), migration]));
  for (const row of applied) {
    const checksum = current.get(row.name);
    if (checksum === undefined) report.unknown.push(row.name);
    else if (row.checksum === null) report.unrecorded.push(row.name);
    else if (row.checksum === checksum) continue;
    else if (row.checksum === (await legacyUpOnlyChecksum(byName.get(row.name)!, dataSource))) report.legacy.push(row.name);
    else report.mismatches.push({ name: row.name, recorded: row.checksum, current: checksum });
  }
  return report;
}

/**
 * Before a run or revert: refuses when an applied migration was edited, and records the
 * checksum of applied migrations that have none (adoption of databases migrated before
 * checksums existed: their current code is taken as what was applied).
 */
export async function verifyAndAdoptChecksums(
  dataSource: DataSource,
  runner: QueryRunner,
  applied: AppliedMigration[],
  say: (line: string) => void,
): Promise<ChecksumReport> {
  const report = await compareChecksums(dataSource, applied);
  if (report.mismatches.length > 0) throw checksumMismatchError(report.mismatches);
  if (report.unrecorded.length > 0) {
    const table = migrationsTableName(dataSource);
    for (const name of report.unrecorded) {
      await runner.query(`UPDATE "${table}" SET checksum = $1 WHERE name = $2 AND checksum IS NULL`, [report.current.get(name), name]);
    }
    say(`Recorded checksums for ${report.unrecorded.length} migration(s) applied before checksums existed: ${report.unrecorded.join(', ')}`);
  }
  if (report.legacy.length > 0) {
    const table = migrationsTableName(dataSource);
    for (const name of report.legacy) {
      await runner.query(`UPDATE "${table}" SET checksum = $1 WHERE name = $2`, [report.current.get(name), name]);
    }
    say(`Upgraded ${report.legacy.length} checksum(s) from the up-only format to up and down (same migrations, no edit)`);
  }
  return report;
}

export function checksumMismatchError(mismatches: ChecksumReport['mismatches']): MigrationSafetyError {
  const lines = mismatches.map(
    ({ name, recorded, current }) => `  ${name}: recorded ${recorded}, code now ${current}`,
  );
  return new MigrationSafetyError(
    [
      `Refusing to migrate: ${mismatches.length} applied migration(s) were edited after they were applied:`,
      ...lines,
      'The database was changed by the SQL recorded then, not by the code now. Undo the edit and put the change in a new migration;',
      `or, if a reviewer has confirmed the edit changes nothing in effect (formatting, a comment in the SQL), re-record it with: npm run migration:repair -- ${mismatches[0]!.name}`,
    ].join('\n'),
    EXIT.checksumMismatch,
  );
}
