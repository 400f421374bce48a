import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { flattenSchema, formatDifferences, SchemaDifference } from '../../schema/schema-diff';
import { SchemaModel } from '../../schema/schema-model';
import { ScratchDatabaseError, withEmptyScratchDatabase } from '../../schema/scratch-server';
import { readProjectSchema } from '../../schema/snapshot-file';
import { ConnectionSettings } from '../connection-settings';
import { dataSourceFor } from '../data-sources';
import { captureMigrationSql } from './capture-migration-sql';
import { migrationNameOf } from './checksums';
import { EXIT, MigrationSafetyError } from './errors';
import { migrationTimestampOf } from './status';

/** Objects a migration creates, by the kind of catalog they live in. */
export interface CreatedNames {
  relations: string[];
  types: string[];
  functions: string[];
}

/**
 * Names of the tables, indexes, views, sequences, types and functions the statements create
 * (DO blocks included: enums are created inside them). Extensions and roles are left out: they
 * are shared with other databases and projects, and expected to exist beforehand.
 */
export function createdNames(statements: string[]): CreatedNames {
  const names: CreatedNames = { relations: [], types: [], functions: [] };
  const add = (list: string[], raw: string) => {
    const name = raw.replaceAll('"', '').split('.').pop()!;
    if (!list.includes(name)) list.push(name);
  };
  for (const sql of statements) {
    const text = sql.replace(/--[^\n]*/g, ' ');
    const patterns: [RegExp, string[]][] = [
      [/\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w."]+)/gi, names.relations],
      [/\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?([\w."]+)\s+ON\b/gi, names.relations],
      [/\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w."]+)/gi, names.relations],
      [/\bCREATE\s+SEQUENCE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w."]+)/gi, names.relations],
      [/\bCREATE\s+(?:TYPE|DOMAIN)\s+([\w."]+)/gi, names.types],
      [/\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+([\w."]+)\s*\(/gi, names.functions],
    ];
    for (const [pattern, list] of patterns) for (const match of text.matchAll(pattern)) add(list, match[1]!);
  }
  return names;
}

/** An object of ours that a pending migration would create, found already in the database. */
interface Existing {
  kind: 'relation' | 'type' | 'function';
  name: string;
  /** The pending migration that creates it. */
  migration: string;
}

/**
 * Refuses to run pending migrations on top of objects of ours that already exist in another
 * shape. `IF NOT EXISTS` adopts whatever is there: a table without its CHECKs, columns of other
 * types, an older enum would be kept silently, or the run would stop halfway on an error that
 * does not name the object.
 *
 * Cost: nothing when nothing is pending; otherwise one catalog query (do any of the names the
 * pending migrations create, and the applied ones do not, exist?). Only when some do, a scratch
 * database on the same server is migrated step by step and each existing object is compared,
 * on the full catalog (schema-diff.ts, as `schema:check`), with what the migration creating it
 * makes. Identical objects are adopted (said on stderr); any difference stops the run before
 * anything is applied, naming every differing object.
 */
export async function guardPartialSchema(
  dataSource: DataSource,
  runner: QueryRunner,
  appliedNames: Set<string>,
  say: (line: string) => void,
): Promise<void> {
  const ordered = [...dataSource.migrations].sort((a, b) => migrationTimestampOf(migrationNameOf(a)) - migrationTimestampOf(migrationNameOf(b)));
  const pending = ordered.filter((migration) => !appliedNames.has(migrationNameOf(migration)));
  if (pending.length === 0) return;

  const ours = new Set<string>();
  for (const migration of ordered.filter((m) => appliedNames.has(migrationNameOf(m)))) {
    const created = createdNames(await captureMigrationSql(migration, 'up', dataSource));
    for (const name of [...created.relations, ...created.types, ...created.functions]) ours.add(name);
  }
  const candidates: Existing[] = [];
  for (const migration of pending) {
    const created = createdNames(await captureMigrationSql(migration, 'up', dataSource));
    const push = (kind: Existing['kind'], names: string[]) => {
      for (const name of names) {
        if (!ours.has(name) && !candidates.some((c) => c.kind === kind && c.name === name)) {
          candidates.push({ kind, name, migration: migrationNameOf(migration) });
        }
      }
    };
    push('relation', created.relations);
    push('type', created.types);
    push('function', created.functions);
  }
  if (candidates.length === 0) return;

  const existing = await probeExisting(runner, candidates);
  if (existing.length === 0) return;

  const differences = await compareWithMigrations(dataSource, ordered, appliedNames, existing);
  if (differences.length > 0) throw partialSchemaRefusal(existing, differences);
  say(
    `Found ${existing.length} object(s) of ours already present, identical to what the pending migrations make: ` +
      `${existing.map((e) => e.name).join(', ')}; the migrations adopt them.`,
  );
}

/** Which candidates exist in the current schema: one catalog query. */
async function probeExisting(runner: QueryRunner, candidates: Existing[]): Promise<Existing[]> {
  const names = (kind: Existing['kind']) => candidates.filter((c) => c.kind === kind).map((c) => c.name);
  const rows: { kind: Existing['kind']; name: string }[] = await runner.query(
    `SELECT 'relation' AS kind, relname::text AS name FROM pg_class
       WHERE relnamespace = current_schema()::regnamespace AND relname = ANY ($1::name[])
     UNION ALL
     SELECT 'type', typname::text FROM pg_type
       WHERE typnamespace = current_schema()::regnamespace AND typname = ANY ($2::name[])
     UNION ALL
     SELECT DISTINCT 'function', proname::text FROM pg_proc
       WHERE pronamespace = current_schema()::regnamespace AND proname = ANY ($3::name[])`,
    [names('relation'), names('type'), names('function')],
  );
  return candidates.filter((c) => rows.some((row) => row.kind === c.kind && row.name === c.name));
}

/**
 * Migrates a scratch database one migration at a time and, right after each pending migration
 * that creates one of `existing`, records how the migrations make those objects; then compares
 * the database's versions with them. A later migration that alters the object is applied to
 * both alike, so an object identical at that point ends identical too.
 */
async function compareWithMigrations(
  dataSource: DataSource,
  ordered: MigrationInterface[],
  appliedNames: Set<string>,
  existing: Existing[],
): Promise<SchemaDifference[]> {
  const target = await readProjectSchema(dataSource);
  const expected = new Map<string, string>();
  try {
    await migrateScratchStepwise(dataSource, ordered, async (name, scratch) => {
      const created = existing.filter((e) => e.migration === name && !appliedNames.has(name));
      if (created.length === 0) return;
      for (const [key, value] of keysOf(await readProjectSchema(scratch), created)) expected.set(key, value);
    });
  } catch (error) {
    if (!(error instanceof ScratchDatabaseError)) throw error;
    throw new MigrationSafetyError(
      partialSchemaHeader(existing, [`  They cannot be compared with what the migrations make: ${error.message}`]),
      EXIT.refused,
    );
  }
  const actual = new Map(keysOf(target, existing));
  const keys = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  return keys
    .filter((key) => expected.get(key) !== actual.get(key))
    .map((object) => ({ object, left: actual.get(object), right: expected.get(object) }));
}

/**
 * Applies `ordered` to a new scratch database on the same server, one migration at a time
 * (each in a transaction unless it says `transaction = false`), calling `after` after each;
 * the scratch database is dropped afterwards. No bookkeeping table: only the schema matters.
 */
export async function migrateScratchStepwise(
  dataSource: DataSource,
  ordered: MigrationInterface[],
  after: (name: string, scratch: DataSource) => Promise<void>,
): Promise<void> {
  const settings = (dataSource as DataSource & { settings?: ConnectionSettings }).settings;
  if (!settings) throw new ScratchDatabaseError('this DataSource does not say where it connects, so no scratch database can be made beside it');
  await withEmptyScratchDatabase(settings, async (scratchSettings) => {
    const scratch = dataSourceFor(scratchSettings, { migrations: [] });
    await scratch.initialize();
    const runner = scratch.createQueryRunner('master');
    try {
      for (const migration of ordered) {
        const inTransaction = migration.transaction !== false;
        if (inTransaction) await runner.startTransaction();
        await migration.up(runner);
        if (inTransaction) await runner.commitTransaction();
        await after(migrationNameOf(migration), scratch);
      }
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
      await scratch.destroy();
    }
  });
}

/** The flattened catalog entries (schema-diff.ts keys) that describe the given objects. */
function keysOf(model: SchemaModel, objects: Existing[]): [string, string][] {
  const names = new Set(objects.map((o) => o.name));
  return [...flattenSchema(model)].filter(([key]) => ownersOfKey(key).some((owner) => names.has(owner)));
}

/**
 * The object names a schema-diff key is about: `column users.email` → users, email;
 * `index clients.ix_x` → clients, ix_x; `function body set_updated_at()` → set_updated_at;
 * `grant on table users to app` → users.
 */
export function ownersOfKey(key: string): string[] {
  const match = /^(?:comment on |grant on |materialized )?(?:extension|schema|enum|domain|sequence|type|table|column|constraint|index|trigger|policy|view|function body|function) (.+)$/.exec(key);
  if (!match) return [];
  const subject = match[1]!.replace(/ to [^ ]+$/, '');
  if (subject.includes('(')) return [subject.slice(0, subject.indexOf('('))];
  return subject.split('.');
}

function partialSchemaHeader(existing: Existing[], detail: string[]): string {
  return [
    `Refusing to migrate: ${existing.length} object(s) that pending migrations create already exist in this database ` +
      `(${existing.map((e) => `${e.kind} ${e.name}`).join(', ')}), and nothing was applied.`,
    ...detail,
  ].join('\n');
}

function partialSchemaRefusal(existing: Existing[], differences: SchemaDifference[]): MigrationSafetyError {
  const objects = [...new Set(differences.map((d) => d.object))];
  return new MigrationSafetyError(
    [
      partialSchemaHeader(existing, [
        `They differ from what the migrations make in ${objects.length} place(s):`,
        formatDifferences(differences, 'database', 'migrations'),
      ]),
      'Make those objects match the migrations (or drop them if they hold nothing you need) and run again. A schema that is ' +
        'identical to what the migrations make, but was created without them, is recorded as applied by: npm run migration:baseline',
    ].join('\n'),
    EXIT.refused,
  );
}
