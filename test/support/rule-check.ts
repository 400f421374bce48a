import { validate } from 'class-validator';
import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

/** One database rule (a constraint or an enum type) and the samples that probe it. */
export interface RuleSamples<E> {
  /** Name the database reports when the rule is broken: a constraint or an enum type. */
  rule: string;
  /** The entity property the rule is about; class-validator must report its errors here. */
  property: keyof E & string;
  accepted: unknown[];
  rejected: unknown[];
  /** Other properties to set with every sample (for rules that involve two columns). */
  with?: Partial<E>;
}

interface Verdict {
  sample: unknown;
  expected: 'accepted' | 'rejected';
  validator: string;
  database: string;
}

/**
 * Checks one rule from both sides. Each sample is written into a valid entity; class-validator
 * must accept or reject it, and so must the database, whose error must name the rule. A
 * rejected insert must leave the table exactly as it was (compared by a fingerprint of all its
 * rows); an accepted one is rolled back so that samples cannot collide with each other.
 */
export async function probeRule<E extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<E>,
  makeValid: () => E,
  samples: RuleSamples<E>,
): Promise<Verdict[]> {
  const table = dataSource.getMetadata(entity).tableName;
  const disagreements: Verdict[] = [];
  const cases = [
    ...samples.accepted.map((sample) => ({ sample, expected: 'accepted' as const })),
    ...samples.rejected.map((sample) => ({ sample, expected: 'rejected' as const })),
  ];
  for (const { sample, expected } of cases) {
    const row = Object.assign(makeValid(), samples.with ?? {}, { [samples.property]: sample });
    const errors = await validate(row);
    const validatorRejects = errors.some((error) => error.property === samples.property);
    const validator = validatorRejects ? 'rejected' : 'accepted';
    const database = await tryInsert(dataSource, entity, table, row, expected === 'accepted');
    const databaseOk =
      expected === 'accepted' ? database === 'accepted' : database.startsWith('rejected') && database.includes(samples.rule);
    if (validator !== expected || !databaseOk) disagreements.push({ sample, expected, validator, database });
  }
  return disagreements;
}

async function tryInsert<E extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<E>,
  table: string,
  row: E,
  rollBack: boolean,
): Promise<string> {
  if (rollBack) {
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.manager.insert(entity, row);
      return 'accepted';
    } catch (error) {
      return `rejected: ${(error as Error).message}`;
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }
  const before = await fingerprint(dataSource, table);
  try {
    await dataSource.manager.insert(entity, row);
    return 'accepted';
  } catch (error) {
    const after = await fingerprint(dataSource, table);
    if (after !== before) return `rejected, but the table changed: ${(error as Error).message}`;
    return `rejected: ${(error as Error).message}`;
  }
}

/** Row count and a hash of every row: equal fingerprints mean an unchanged table. */
export async function fingerprint(dataSource: DataSource, table: string): Promise<string> {
  const [row] = await dataSource.query(
    `SELECT count(*) AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS hash FROM ${table} t`,
  );
  return `${row.n}:${row.hash}`;
}

/** Names of the CHECK, UNIQUE and FOREIGN KEY constraints and unique indexes on a table. */
export async function rulesOfTable(dataSource: DataSource, table: string): Promise<string[]> {
  const rows: { name: string }[] = await dataSource.query(
    `SELECT conname AS name FROM pg_constraint
     WHERE conrelid = $1::regclass AND contype IN ('c', 'u', 'f')
     UNION
     SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = $1::regclass AND x.indisunique AND NOT x.indisprimary
     ORDER BY 1`,
    [table],
  );
  return rows.map((row) => row.name);
}

/** Database error for a statement expected to fail, or 'accepted'. */
export async function outcomeOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return 'accepted';
  } catch (error) {
    return `rejected: ${(error as Error).message}`;
  }
}

/** SQLSTATE of the database error a piece of work fails with, or 'ok' when it succeeds. */
export async function sqlstateOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}
