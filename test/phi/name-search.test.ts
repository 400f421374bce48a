import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { withTenant } from '../../src/database/tenant-context';
import { Client } from '../../src/entities';
import { PhiInputError, sealClientIdentity, searchClients, TenantCipher } from '../../src/phi';
import { useAppLogin } from '../support/app-login';
import { makeClient } from '../support/factories';
import { useKeyFolder } from '../support/phi';
import { sqlstateOf } from '../support/rule-check';
import { createParents, createTenant, Query } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

/**
 * Name search over encrypted names (searchClients and search_clients_by_name_tokens): keyed
 * trigram tokens found in the database, ranked on the decrypted names in the application.
 */
describe('searchClients: name search over encrypted names, within the tenant', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  const keys = useKeyFolder();
  let app: DataSource;
  let tenantA: string;
  let tenantB: string;

  const inTenant = <T>(tenant: string, work: (manager: EntityManager, cipher: TenantCipher) => Promise<T>) =>
    withTenant(app, tenant, async (manager) => work(manager, await keys.keyring().forTransaction(manager)));
  const search = (tenant: string, query: string, limit?: number) => inTenant(tenant, (manager, cipher) => searchClients(manager, cipher, query, limit));
  const names = async (tenant: string, query: string) => (await search(tenant, query)).map((hit) => hit.fullName);

  beforeAll(async () => {
    const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);
    tenantA = await createTenant(owner);
    tenantB = await createTenant(owner);
    await createParents(owner, tenantA);
    await createParents(owner, tenantB);
    app = await login.connect(2);
    let n = 0;
    const add = (tenant: string, firstName: string, lastName: string, options: { deleted?: boolean; preferredName?: string } = {}) =>
      inTenant(tenant, async (manager, cipher) => {
        const id = randomUUID();
        const sealed = await sealClientIdentity(cipher, id, { firstName, lastName, preferredName: options.preferredName, dateOfBirth: '1950-01-01', medicalRecordNumber: `M-${++n}` });
        await manager.insert(Client, makeClient(tenant, { id, ...sealed, deletedAt: options.deleted ? new Date() : null }));
      });
    await add(tenantA, 'Margaret', 'Hamilton');
    await add(tenantA, 'Margarita', 'Ortiz');
    await add(tenantA, 'José', 'Núñez');
    await add(tenantA, 'Elizabeth', 'Windsor', { preferredName: 'Lilibet' });
    await add(tenantA, 'Mary', 'Jackson', { deleted: true });
    await add(tenantA, '50%', 'Off_sale');
    await add(tenantB, 'Margaret', 'Thatcher');
  });

  it("finds the tenant's live clients by substring, case-insensitively, best match first", async () => {
    const hits = await search(tenantA, 'marga');
    expect(hits.map((hit) => hit.fullName)).toEqual(['Margarita Ortiz', 'Margaret Hamilton']);
    expect(hits.every((hit) => hit.score > 0 && hit.score <= 1)).toBe(true);
  });

  it("never returns another tenant's clients or deleted ones", async () => {
    expect(await names(tenantB, 'Margaret')).toEqual(['Margaret Thatcher']);
    expect(await names(tenantA, 'Jackson')).toEqual([]);
  });

  it('finds misspelt names by trigram similarity, accents folded, and by preferred name', async () => {
    expect(await names(tenantA, 'Margret Hamilten')).toContain('Margaret Hamilton');
    expect(await names(tenantA, 'jose nunez')).toEqual(['José Núñez']);
    expect(await names(tenantA, 'Lilibet')).toEqual(['Elizabeth Windsor']);
  });

  it('keeps any script intact, through encryption and search', async () => {
    const id = randomUUID();
    await inTenant(tenantA, async (manager, cipher) =>
      manager.insert(Client, makeClient(tenantA, { id, ...(await sealClientIdentity(cipher, id, { firstName: '李小龙', lastName: 'Øyvindsdóttir', dateOfBirth: '1960-02-02', medicalRecordNumber: 'M-UNI' })) })),
    );
    expect(await names(tenantA, '李小龙')).toEqual(['李小龙 Øyvindsdóttir']);
  });

  it('a query of one or two letters matches names at word starts only (its trigrams are padded)', async () => {
    expect(await names(tenantA, 'ma')).toEqual(expect.arrayContaining(['Margaret Hamilton', 'Margarita Ortiz']));
    expect(await names(tenantA, 'rg')).toEqual([]);
  });

  it('treats % and _ in the query as text, not wildcards', async () => {
    expect(await names(tenantA, '50%')).toEqual(['50% Off_sale']);
    expect(await names(tenantA, 'M______t')).toEqual([]);
  });

  it('honours the limit; refuses an empty, unsearchable or overlong query and a bad limit with errors naming the rule', async () => {
    expect(await search(tenantA, 'mar', 1)).toHaveLength(1);
    await expect(search(tenantA, 'mar', 0)).rejects.toThrow(/searchClients\.limit: must be an integer from 1 to 200/);
    await expect(search(tenantA, '  ')).rejects.toThrow(/searchClients\.query: must not be empty/);
    await expect(search(tenantA, '%%%')).rejects.toThrow(/must contain a letter or digit/);
    const overlong = search(tenantA, 'a'.repeat(101));
    await expect(overlong).rejects.toBeInstanceOf(PhiInputError);
    await expect(search(tenantA, 'a'.repeat(101))).rejects.toThrow(/at most 100 characters long, got 101/);
    // Exactly 100 characters is accepted.
    expect((await search(tenantA, `Hamilton ${'x'.repeat(91)}`)).map((hit) => hit.fullName)).toEqual(['Margaret Hamilton']);
  });

  it('the database function bounds its own input, whoever calls it, with errors naming the limit', async () => {
    const call = (tokens: unknown, maxRows: unknown) =>
      withTenant(app, tenantA, (manager) => manager.query(`SELECT * FROM search_clients_by_name_tokens($1::integer[], $2)`, [tokens, maxRows]));
    await expect(call(Array.from({ length: 513 }, (_, i) => i), 10)).rejects.toThrow(/at most 512 tokens in a one-dimensional array, got 513/);
    await expect(call([], 10)).rejects.toThrow(/tokens must not be empty/);
    await expect(call([1, 2], 1001)).rejects.toThrow(/max_rows must be between 1 and 1000/);
    await expect(call('{{1,2},{3,4}}', 10)).rejects.toThrow(/one-dimensional/);
    expect(await sqlstateOf(() => call(Array.from({ length: 512 }, (_, i) => i), 1000))).toBe('ok');
  });

  it('refuses to run without a tenant in context', async () => {
    await expect(app.query(`SELECT * FROM search_clients_by_name_tokens('{1,2,3}', 10)`)).rejects.toThrow(/no tenant in context/);
  });

  it('only the application role may call it; it runs as foundation_client_search; the old plaintext search is gone', async () => {
    const signature = 'search_clients_by_name_tokens(integer[], integer)';
    const [row] = await db.dataSource.query(
      `SELECT has_function_privilege('foundation_app', $1, 'EXECUTE') AS app,
              has_function_privilege('public', $1, 'EXECUTE') AS everyone,
              (SELECT proowner::regrole::text FROM pg_proc WHERE oid = $1::regprocedure) AS owner,
              (SELECT prosecdef FROM pg_proc WHERE oid = $1::regprocedure) AS definer,
              to_regprocedure('search_clients(text, integer)') IS NULL AS old_gone`,
      [signature],
    );
    expect(row).toEqual({ app: true, everyone: false, owner: 'foundation_client_search', definer: true, old_gone: true });
  });
});
