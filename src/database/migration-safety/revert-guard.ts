import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { captureMigrationSql } from './capture-migration-sql';
import { migrationNameOf } from './checksums';
import { EXIT, MigrationSafetyError } from './errors';

/** The command-line flag and the environment variable that allow a revert to drop rows. */
export const ALLOW_DATA_LOSS_FLAG = '--allow-data-loss';
export const ALLOW_DATA_LOSS_VARIABLE = 'MIGRATION_ALLOW_DATA_LOSS';

/** Counting stops here: the refusal needs "has rows", and the message a sense of how many. */
const COUNT_CAP = 1_000_000;

/** What a `down` would destroy: a table or a column that holds data. */
export interface DataAtRisk {
  migration: string;
  table: string;
  /** Undefined for the whole table. */
  column?: string;
  rows: number;
}

/** A table or column a statement drops. */
interface Dropped {
  table: string;
  column?: string;
}

/**
 * Tables and columns the statements drop: `DROP TABLE [IF EXISTS] a, b` and
 * `ALTER TABLE t ... DROP [COLUMN] [IF EXISTS] c` (other DROP actions, such as DROP CONSTRAINT,
 * DROP DEFAULT or DROP NOT NULL, destroy no rows).
 */
export function droppedByStatements(statements: string[]): Dropped[] {
  const dropped: Dropped[] = [];
  const unquote = (name: string) => name.trim().replaceAll('"', '').split('.').pop()!;
  for (const raw of statements) {
    const sql = raw.replace(/--[^\n]*/g, ' ').replace(/\s+/g, ' ').trim();
    const dropTable = /^DROP TABLE (?:IF EXISTS )?(.+?)(?: CASCADE| RESTRICT)?;?$/i.exec(sql);
    if (dropTable) {
      for (const name of dropTable[1]!.split(',')) dropped.push({ table: unquote(name) });
      continue;
    }
    const alter = /^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?([\w."]+) (.+?);?$/i.exec(sql);
    if (!alter) continue;
    for (const action of alter[2]!.split(',')) {
      const column = /^\s*DROP (?:COLUMN )?(?:IF EXISTS )?("?[\w]+"?)(?: CASCADE| RESTRICT)?\s*$/i.exec(action);
      if (!column) continue;
      const name = column[1]!.replaceAll('"', '');
      if (/^(CONSTRAINT|DEFAULT|NOT|IDENTITY|EXPRESSION)$/i.test(name)) continue;
      dropped.push({ table: unquote(alter[1]!), column: name });
    }
  }
  return dropped;
}

/**
 * Counts the rows the `down`s of `migrations` would destroy, in a transaction that is rolled
 * back. Row-level security is forced on our tables, so the owner sees no rows without a tenant;
 * for a table it owns (and cannot bypass RLS on) it lifts FORCE inside that transaction to
 * count every tenant's rows. Reads only: nothing of this survives the rollback.
 */
export async function dataAtRisk(dataSource: DataSource, runner: QueryRunner, migrations: MigrationInterface[]): Promise<DataAtRisk[]> {
  const found: DataAtRisk[] = [];
  const targets: (Dropped & { migration: string })[] = [];
  for (const migration of migrations) {
    for (const dropped of droppedByStatements(await captureMigrationSql(migration, 'down', dataSource))) {
      targets.push({ ...dropped, migration: migrationNameOf(migration) });
    }
  }
  if (targets.length === 0) return found;
  await runner.startTransaction();
  try {
    const [{ bypass }] = await runner.query(`SELECT rolsuper OR rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user`);
    const lifted = new Set<string>();
    for (const target of targets) {
      const [table] = await runner.query(
        `SELECT c.oid::regclass::text AS name, c.relforcerowsecurity AS forced, pg_has_role(c.relowner, 'USAGE') AS owned,
                ${target.column ? `EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = c.oid AND attname = $2 AND attnum > 0 AND NOT attisdropped)` : 'true'} AS has_column
         FROM pg_class c WHERE c.oid = to_regclass($1)`,
        target.column ? [target.table, target.column] : [target.table],
      );
      if (!table || !table.has_column) continue;
      if (!bypass && table.forced && table.owned && !lifted.has(table.name)) {
        await runner.query(`ALTER TABLE ${table.name} NO FORCE ROW LEVEL SECURITY`);
        lifted.add(table.name);
      }
      const where = target.column ? ` WHERE ${quoteIdentifier(target.column)} IS NOT NULL` : '';
      const [{ rows }] = await runner.query(`SELECT count(*)::int AS rows FROM (SELECT 1 FROM ${table.name}${where} LIMIT ${COUNT_CAP}) r`);
      if (rows > 0) found.push({ migration: target.migration, table: target.table, column: target.column, rows });
    }
  } finally {
    await runner.rollbackTransaction();
  }
  return found;
}

export function dataLossRefusal(risks: DataAtRisk[]): MigrationSafetyError {
  const what = risks.map((risk) => {
    const count = risk.rows >= COUNT_CAP ? `at least ${COUNT_CAP.toLocaleString('en-US')}` : risk.rows.toLocaleString('en-US');
    const object = risk.column ? `column ${risk.table}.${risk.column} (${count} row(s) with a value)` : `table ${risk.table} (${count} row(s))`;
    return `  ${risk.migration} would drop ${object}`;
  });
  return new MigrationSafetyError(
    [
      'Refusing to revert: it would destroy data, and nothing was reverted:',
      ...what,
      `Back the data up first if it matters. To revert anyway, pass ${ALLOW_DATA_LOSS_FLAG} ` +
        `(npm run migration:revert -- ${ALLOW_DATA_LOSS_FLAG}), or set ${ALLOW_DATA_LOSS_VARIABLE}=1 for npx typeorm migration:revert.`,
    ].join('\n'),
    EXIT.refused,
  );
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
