import { DataSource, QueryRunner } from 'typeorm';

/**
 * Runs `work` in a transaction that is always rolled back, with the triggers of the named
 * foreign keys of `table` disabled. A row with an unknown tenant breaks every tenant-inclusive
 * key at once and PostgreSQL reports the first failure it finds; disabling the others shows
 * the tenant key on its own.
 */
export async function withForeignKeysDisabled<T>(
  dataSource: DataSource,
  table: string,
  constraints: string[],
  work: (runner: QueryRunner) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.startTransaction();
  try {
    const triggers: { tgname: string }[] = await runner.query(
      `SELECT t.tgname FROM pg_trigger t JOIN pg_constraint c ON c.oid = t.tgconstraint
       WHERE t.tgrelid = $1::regclass AND c.conname = ANY ($2)`,
      [table, constraints],
    );
    if (triggers.length === 0) throw new Error(`no triggers found for ${constraints.join(', ')} on ${table}`);
    for (const { tgname } of triggers) await runner.query(`ALTER TABLE ${table} DISABLE TRIGGER "${tgname}"`);
    return await work(runner);
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}
