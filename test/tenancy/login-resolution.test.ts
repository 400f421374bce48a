import { DataSource } from 'typeorm';
import { resolveLogin, withTenant } from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { createTenant, Query, TABLE_WRITERS } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

const ISSUER = 'https://login.example.org/';

/** Sign-in without a tenant context: (issuer, subject) -> (tenant, user), and nothing more. */
describe('resolve_ciam_login', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  let app: DataSource;
  const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);

  async function linkedUser(tenant: string, subject: string, issuer = ISSUER): Promise<string> {
    const user = await TABLE_WRITERS.users!.insert(owner, tenant, { facilityId: '', userId: '' });
    // The same issuer in several tenants: registered through the platform path, as only it may.
    const [{ id: system }] = await owner(`SELECT id FROM ciam_systems WHERE tenant_id = $1 AND issuer_url = $2`, [tenant, issuer]).then(
      async (rows: { id: string }[]) =>
        rows.length ? rows : owner(`SELECT platform_register_shared_ciam_system($1, 'oidc', 'IdP', $2) AS id`, [tenant, issuer]),
    );
    await owner(
      `INSERT INTO user_ciam_mappings (tenant_id, user_id, ciam_system_id, external_subject) VALUES ($1, $2, $3, $4)`,
      [tenant, user, system, subject],
    );
    return user;
  }

  let tenantA: string;
  let tenantB: string;
  let userA: string;

  beforeAll(async () => {
    tenantA = await createTenant(owner);
    tenantB = await createTenant(owner);
    userA = await linkedUser(tenantA, 'subject-a');
    await linkedUser(tenantB, 'subject-b');
    app = await login.connect(1);
  });

  it('resolves a linked identity to its tenant and user, with no tenant in context', async () => {
    expect(await resolveLogin(app, ISSUER, 'subject-a')).toEqual([{ tenantId: tenantA, userId: userA }]);
    // ... after which the application works inside that tenant as usual.
    expect(await withTenant(app, tenantA, (m) => m.query(`SELECT id FROM users WHERE id = $1`, [userA]))).toEqual([{ id: userA }]);
  });

  it('returns nothing for an unknown subject, another issuer, an unlinked or a deactivated user', async () => {
    expect(await resolveLogin(app, ISSUER, 'nobody')).toEqual([]);
    expect(await resolveLogin(app, 'https://other.example.org/', 'subject-a')).toEqual([]);
    const unlinked = await linkedUser(tenantA, 'subject-unlinked');
    await owner(`UPDATE user_ciam_mappings SET unlinked_at = now() WHERE user_id = $1`, [unlinked]);
    expect(await resolveLogin(app, ISSUER, 'subject-unlinked')).toEqual([]);
    const deactivated = await linkedUser(tenantA, 'subject-deactivated');
    await owner(`UPDATE users SET status = 'deactivated' WHERE id = $1`, [deactivated]);
    expect(await resolveLogin(app, ISSUER, 'subject-deactivated')).toEqual([]);
  });

  it('returns every tenant an identity is linked in', async () => {
    const inA = await linkedUser(tenantA, 'subject-shared');
    const inB = await linkedUser(tenantB, 'subject-shared');
    const resolved = await resolveLogin(app, ISSUER, 'subject-shared');
    expect(resolved.sort((x, y) => x.tenantId.localeCompare(y.tenantId))).toEqual(
      [{ tenantId: tenantA, userId: inA }, { tenantId: tenantB, userId: inB }].sort((x, y) => x.tenantId.localeCompare(y.tenantId)),
    );
  });

  it('follows a subject relinked to another user, and a deactivated provider signs nobody in', async () => {
    const issuer = 'https://relink.example.org/';
    const first = await linkedUser(tenantA, 'subject-relinked', issuer);
    expect(await resolveLogin(app, issuer, 'subject-relinked')).toEqual([{ tenantId: tenantA, userId: first }]);
    // The subject is handed to another user: the old link stays as history, unlinked.
    await owner(`UPDATE user_ciam_mappings SET unlinked_at = now() WHERE user_id = $1`, [first]);
    const second = await linkedUser(tenantA, 'subject-relinked', issuer);
    expect(await resolveLogin(app, issuer, 'subject-relinked')).toEqual([{ tenantId: tenantA, userId: second }]);
    await owner(`UPDATE ciam_systems SET is_active = false WHERE tenant_id = $1 AND issuer_url = $2`, [tenantA, issuer]);
    expect(await resolveLogin(app, issuer, 'subject-relinked')).toEqual([]);
  });

  it('opens nothing else: the CIAM tables stay invisible without a tenant', async () => {
    for (const table of ['ciam_systems', 'user_ciam_mappings', 'users']) {
      const [{ n }] = await app.query(`SELECT count(*)::int AS n FROM ${table}`);
      expect({ table, n }).toEqual({ table, n: 0 });
    }
    const [row] = await db.dataSource.query(
      `SELECT has_function_privilege('public', 'resolve_ciam_login(text, text)', 'EXECUTE') AS everyone,
              has_table_privilege('foundation_login_resolver', 'users', 'SELECT') AS whole_users_table,
              has_column_privilege('foundation_login_resolver', 'users', 'email', 'SELECT') AS email`,
    );
    expect(row).toEqual({ everyone: false, whole_users_table: false, email: false });
  });
});
