import { DataSource } from 'typeorm';
import { searchClients, withTenant } from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { createParents, createTenant, Query } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

describe('searchClients: name search within the tenant', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  let app: DataSource;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);
    tenantA = await createTenant(owner);
    tenantB = await createTenant(owner);
    const add = async (tenant: string, first: string, last: string, deleted = false) => {
      await createParents(owner, tenant);
      await owner(
        `INSERT INTO clients (tenant_id, first_name, last_name, date_of_birth, medical_record_number, deleted_at)
         VALUES ($1, $2, $3, '1950-01-01', $4, $5)`,
        [tenant, first, last, `M-${Math.random().toString(36).slice(2)}`, deleted ? new Date() : null],
      );
    };
    await add(tenantA, 'Margaret', 'Hamilton');
    await add(tenantA, 'Margarita', 'Ortiz');
    await add(tenantA, 'Mary', 'Jackson', true);
    await add(tenantA, '50%', 'Off_sale');
    await add(tenantB, 'Margaret', 'Thatcher');
    app = await login.connect(2);
  });

  const search = (tenant: string, query: string, limit?: number) =>
    withTenant(app, tenant, (manager) => searchClients(manager, query, limit));

  it("finds the tenant's live clients by substring, case-insensitively, best match first", async () => {
    const hits = await search(tenantA, 'marga');
    expect(hits.map((hit) => hit.fullName)).toEqual(['Margarita Ortiz', 'Margaret Hamilton']);
    expect(hits.every((hit) => hit.score > 0 && hit.score <= 1)).toBe(true);
  });

  it("never returns another tenant's clients or deleted ones", async () => {
    expect((await search(tenantB, 'Margaret')).map((hit) => hit.fullName)).toEqual(['Margaret Thatcher']);
    expect(await search(tenantA, 'Jackson')).toEqual([]);
  });

  it('finds misspelt names by trigram similarity', async () => {
    expect((await search(tenantA, 'Margret Hamilten')).map((hit) => hit.fullName)).toContain('Margaret Hamilton');
  });

  it('treats % and _ in the query as text, not wildcards', async () => {
    expect((await search(tenantA, '50%')).map((hit) => hit.fullName)).toEqual(['50% Off_sale']);
    // As wildcards, these would match "50% Off_sale" and "Margaret ...".
    expect(await search(tenantA, 'O%f')).toEqual([]);
    expect(await search(tenantA, 'M______t')).toEqual([]);
  });

  it('honours the limit and rejects a bad one or an empty query', async () => {
    expect(await search(tenantA, 'ar', 1)).toHaveLength(1);
    await expect(search(tenantA, 'ar', 0)).rejects.toThrow(/max_rows/);
    await expect(search(tenantA, '  ')).rejects.toThrow(/must not be empty/);
  });

  it('refuses to run without a tenant in context', async () => {
    await expect(app.query(`SELECT * FROM search_clients('Margaret', 10)`)).rejects.toThrow(/no tenant in context/);
  });

  it('only the application role may call it', async () => {
    const [row] = await db.dataSource.query(
      `SELECT has_function_privilege('foundation_app', 'search_clients(text, integer)', 'EXECUTE') AS app,
              has_function_privilege('public', 'search_clients(text, integer)', 'EXECUTE') AS everyone,
              (SELECT proowner::regrole::text FROM pg_proc WHERE proname = 'search_clients') AS owner,
              (SELECT prosecdef FROM pg_proc WHERE proname = 'search_clients') AS definer`,
    );
    expect(row).toEqual({ app: true, everyone: false, owner: 'foundation_client_search', definer: true });
  });
});
