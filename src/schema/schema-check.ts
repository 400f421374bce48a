import { DataSource } from 'typeorm';
import { MIGRATIONS_TABLE } from '../database/data-source-options';
import { FoundationDataSource } from '../database/foundation-data-source';
import { migrationNameOf } from '../database/migration-safety/checksums';
import { diffSchemas, formatDifferences, SchemaDifference } from './schema-diff';
import { SchemaModel } from './schema-model';
import { withMigratedScratchDatabase } from './scratch-database';
import { readProjectSchema, readSnapshotFile, SNAPSHOT_PATH } from './snapshot-file';

export interface CheckSection {
  title: string;
  /** Empty when the two sides agree. */
  report: string[];
}

export interface CheckResult {
  ok: boolean;
  sections: CheckSection[];
}

const DATABASE = 'database';
const MIGRATIONS = 'migrations';
const SNAPSHOT = 'snapshot';

/**
 * Runs `work` on a database freshly migrated from the project's migrations on the target's
 * server: by default a scratch database migrated for the purpose (withMigratedScratchDatabase).
 * The tests pass a clone of the database their global setup migrated once, which is the same
 * thing without migrating from scratch for every case.
 */
export type MigratedReference = <T>(settings: FoundationDataSource['settings'], work: (dataSource: FoundationDataSource) => Promise<T>) => Promise<T>;

/**
 * The three-way drift check:
 * 1. entities vs a scratch database migrated from the migrations (TypeORM's schema diff);
 * 2. the target database vs that scratch database, on the full catalog (and the list of
 *    applied migrations);
 * 3. both vs the committed snapshot (schema/snapshot.json).
 */
export async function checkSchema(
  target: FoundationDataSource,
  snapshotPath = SNAPSHOT_PATH,
  migratedReference: MigratedReference = withMigratedScratchDatabase,
): Promise<CheckResult> {
  const database = await readProjectSchema(target);
  const applied = await appliedMigrations(target);
  const committed = readSnapshotFile(snapshotPath);

  return migratedReference(target.settings, async (scratch) => {
    const migrated = await readProjectSchema(scratch);
    const typeormDiff = await scratch.driver.createSchemaBuilder().log();
    const expected = scratch.migrations.map(migrationNameOf);

    const sections: CheckSection[] = [
      {
        title: 'entities vs migrations (TypeORM schema diff on a freshly migrated scratch database)',
        report: typeormDiff.upQueries.map((q) => `  TypeORM would run: ${q.query}`),
      },
      {
        title: `${DATABASE} (${describe(target)}) vs ${MIGRATIONS} (freshly migrated scratch database)`,
        report: [
          ...migrationListReport(applied, expected),
          ...reportOf(diffSchemas(database, migrated), DATABASE, MIGRATIONS),
        ],
      },
      {
        title: `${MIGRATIONS} vs committed ${SNAPSHOT} (${relative(snapshotPath)})`,
        report: committed
          ? reportOf(diffSchemas(migrated, committed), MIGRATIONS, SNAPSHOT)
          : [`  ${relative(snapshotPath)} does not exist: run npm run schema:snapshot and commit it`],
      },
      {
        title: `${DATABASE} vs committed ${SNAPSHOT}`,
        report: committed ? reportOf(diffSchemas(database, committed), DATABASE, SNAPSHOT) : [],
      },
    ];
    return { ok: sections.every((s) => s.report.length === 0), sections };
  });
}

export function formatCheck(result: CheckResult): string {
  const lines = result.sections.map((s) =>
    s.report.length === 0 ? `ok    ${s.title}` : `DRIFT ${s.title}\n${s.report.join('\n')}`,
  );
  lines.push(result.ok ? 'schema:check: no drift' : 'schema:check: drift found (see above)');
  return lines.join('\n');
}

function reportOf(differences: SchemaDifference[], left: string, right: string): string[] {
  return differences.length === 0 ? [] : [formatDifferences(differences, left, right)];
}

function migrationListReport(applied: string[] | undefined, expected: string[]): string[] {
  if (applied === undefined) return [`  the database has no ${MIGRATIONS_TABLE} table: it was never migrated`];
  return [
    ...expected.filter((name) => !applied.includes(name)).map((name) => `  migration ${name}\n    not applied to the database (pending)`),
    ...applied.filter((name) => !expected.includes(name)).map((name) => `  migration ${name}\n    applied to the database, but not in src/migrations`),
  ];
}

async function appliedMigrations(dataSource: DataSource): Promise<string[] | undefined> {
  const [{ exists }] = await dataSource.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [MIGRATIONS_TABLE]);
  if (!exists) return undefined;
  return (await dataSource.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`)).map((row: { name: string }) => row.name);
}

function describe(dataSource: FoundationDataSource): string {
  const { host, port, database } = dataSource.settings;
  return `${database} on ${host}:${port}`;
}

function relative(file: string): string {
  return file.replace(`${process.cwd()}/`, '');
}
