import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The statements a landed migration's `up` sends, without running them: for a later migration's
 * `down` that must put back exactly what an earlier one made (a function body, a comment), byte
 * for byte, rather than a hand-made copy that could drift. Only for migrations whose `up` sends
 * plain statements through `queryRunner.query` and reads nothing back.
 */
export async function landedStatements(migration: MigrationInterface): Promise<string[]> {
  const statements: string[] = [];
  const recorder = {
    query: async (sql: string) => {
      statements.push(sql);
      return [];
    },
  } as unknown as QueryRunner;
  await migration.up(recorder);
  return statements;
}

/** The one statement of `migration`'s `up` that contains `text`. */
export async function landedStatement(migration: MigrationInterface, text: string): Promise<string> {
  const found = (await landedStatements(migration)).filter((sql) => sql.includes(text));
  if (found.length !== 1) throw new Error(`expected one statement of ${migration.name} containing ${text}, found ${found.length}`);
  return found[0]!;
}
