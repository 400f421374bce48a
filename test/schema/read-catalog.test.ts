import { QueryRunner } from 'typeorm';
import { MIGRATIONS_TABLE } from '../../src/database/data-source-options';
import { readCatalog } from '../../src/schema/read-schema';
import { CatalogModel } from '../../src/schema/schema-model';
import { useTestDatabase } from '../support/test-database';

/**
 * The catalog the round-trip and revert-all tests compare (readCatalog) sees each kind of change
 * a `down` could forget to undo: a function's owner and grants, the schema's privileges, a
 * role's attributes and memberships. Each change is made in a transaction that is rolled back.
 */
const SEARCH = 'search_clients_by_name_tokens(tokens integer[], max_rows integer)';

describe('readCatalog sees what a migration can change beyond tables', () => {
  const db = useTestDatabase();

  async function changedBy(statements: string[]): Promise<{ before: CatalogModel; after: CatalogModel; restored: CatalogModel }> {
    const runner: QueryRunner = db.dataSource.createQueryRunner();
    const read = () => readCatalog((sql, parameters) => runner.query(sql, parameters), { excludeTables: [MIGRATIONS_TABLE] });
    try {
      const before = await read();
      await runner.startTransaction();
      for (const sql of statements) await runner.query(sql);
      const after = await read();
      await runner.rollbackTransaction();
      return { before, after, restored: await read() };
    } finally {
      await runner.release();
    }
  }

  it("a function's owner", async () => {
    const { before, after, restored } = await changedBy(['ALTER FUNCTION search_clients_by_name_tokens(integer[], integer) OWNER TO CURRENT_USER']);
    expect(before.functions[SEARCH]?.owner).toBe('foundation_client_search');
    expect(after.functions[SEARCH]?.owner).toBe('<owner>');
    expect(restored).toEqual(before);
  });

  it("a function's grants", async () => {
    const { before, after } = await changedBy(['GRANT EXECUTE ON FUNCTION search_clients_by_name_tokens(integer[], integer) TO foundation_audit_reader']);
    expect(before.functions[SEARCH]?.grants).not.toHaveProperty('foundation_audit_reader');
    expect(after.functions[SEARCH]?.grants).toHaveProperty('foundation_audit_reader', 'EXECUTE');
  });

  it("the schema's privileges", async () => {
    const { before, after } = await changedBy(['GRANT CREATE ON SCHEMA public TO foundation_app']);
    expect(before.schemaGrants.foundation_app).toBe('USAGE');
    expect(after.schemaGrants.foundation_app).toBe('CREATE,USAGE');
  });

  it("a role's attributes and memberships", async () => {
    const { before, after } = await changedBy([
      'ALTER ROLE foundation_audit_reader CONNECTION LIMIT 3',
      'GRANT foundation_app TO foundation_audit_reader',
    ]);
    expect(before.extras.roles.foundation_audit_reader).toEqual({
      attributes: 'NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT',
      memberOf: [],
      members: [],
    });
    expect(after.extras.roles.foundation_audit_reader).toEqual({
      attributes: 'NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT CONNECTION LIMIT 3',
      memberOf: ['foundation_app'],
      members: [],
    });
    expect(after.extras.roles.foundation_app!.members).toContain('foundation_audit_reader');
  });
});
