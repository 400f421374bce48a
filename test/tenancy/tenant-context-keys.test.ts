import { DataSource } from 'typeorm';
import {
  installTenantContextKey,
  listTenantContextKeys,
  resolveTenantContextKey,
  retireTenantContextKey,
  TenantContextKey,
  TenantProofRejectedError,
  withTenant,
} from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { runProjectCli } from '../support/cli';
import { tablePrivilegesOf } from '../support/privileges';
import { createTenant } from '../support/tenant-data';
import { outcome } from '../support/tenant-context';
import { useTestDatabase } from '../support/test-database';

/**
 * The keys: who may read and manage them, installing through bind parameters, and rotation
 * without downtime (new key installed, application switched, old key retired).
 */
describe('tenant-context keys', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  let app: DataSource;
  let tenant: string;

  beforeAll(async () => {
    tenant = await createTenant((sql, parameters) => db.dataSource.query(sql, parameters));
    app = await login.connect(2);
  });

  it('only foundation_tenant_context may read the key table; the application role has nothing on it', async () => {
    const holders = await db.dataSource.query(
      `SELECT grantee::regrole::text AS role, string_agg(privilege_type, ', ' ORDER BY privilege_type) AS privileges
       FROM (SELECT (aclexplode(relacl)).* FROM pg_class WHERE oid = 'tenant_context_keys'::regclass) acl
       WHERE grantee <> (SELECT relowner FROM pg_class WHERE oid = 'tenant_context_keys'::regclass)
       GROUP BY grantee ORDER BY 1`,
    );
    expect(holders).toEqual([{ role: 'foundation_tenant_context', privileges: 'DELETE, INSERT, SELECT' }]);
    expect((await tablePrivilegesOf(db.dataSource, 'foundation_app')).map((row) => row.relname)).not.toContain('tenant_context_keys');
    const [role] = await db.dataSource.query(
      `SELECT rolsuper, rolbypassrls, rolcanlogin, (SELECT count(*)::int FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
                                                     WHERE m.roleid = 'foundation_tenant_context'::regrole AND r.rolname LIKE 'ft_role_%') AS granted_to_logins
       FROM pg_roles WHERE rolname = $1`,
      ['foundation_tenant_context'],
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false, granted_to_logins: 0 });
  });

  it('the context functions are SECURITY DEFINER with a pinned search_path, owned by that role', async () => {
    const rows = await db.dataSource.query(
      `SELECT p.oid::regprocedure::text AS signature, p.proowner::regrole::text AS owner, p.prosecdef, p.proconfig, p.proparallel,
              has_function_privilege('public', p.oid, 'EXECUTE') AS everyone
       FROM pg_proc p WHERE p.proname IN ('current_tenant_id', 'current_tenant_writable', 'enter_tenant',
                                          'install_tenant_context_key', 'retire_tenant_context_key', 'list_tenant_context_keys')
       ORDER BY 1`,
    );
    const pinned = ['search_path=pg_catalog, public, pg_temp'];
    expect(rows).toEqual([
      { signature: 'current_tenant_id()', owner: 'foundation_tenant_context', prosecdef: true, proconfig: pinned, proparallel: 'r', everyone: true },
      { signature: 'current_tenant_writable()', owner: 'foundation_tenant_context', prosecdef: true, proconfig: pinned, proparallel: 'r', everyone: true },
      { signature: 'enter_tenant(text)', owner: 'foundation_tenant_context', prosecdef: true, proconfig: pinned, proparallel: 'u', everyone: true },
      { signature: 'install_tenant_context_key(text,bytea)', owner: 'foundation_tenant_context', prosecdef: true, proconfig: pinned, proparallel: 'u', everyone: false },
      { signature: 'list_tenant_context_keys()', owner: 'foundation_tenant_context', prosecdef: true, proconfig: pinned, proparallel: 'u', everyone: false },
      { signature: 'retire_tenant_context_key(text)', owner: 'foundation_tenant_context', prosecdef: true, proconfig: pinned, proparallel: 'u', everyone: false },
    ]);
  });

  it('installing is idempotent, refuses another secret under a known id, and refuses bad input', async () => {
    const key = TenantContextKey.generate('idempotent');
    expect(await installTenantContextKey(db.dataSource, key)).toBe(true);
    expect(await installTenantContextKey(db.dataSource, key)).toBe(false);
    const clash = new TenantContextKey('idempotent', Buffer.alloc(32, 1));
    expect(await outcome(() => installTenantContextKey(db.dataSource, clash))).toMatch(/^23505: .*installed with another secret/);
    for (const [id, secret] of [['bad id!', Buffer.alloc(32)], ['short', Buffer.alloc(16)]] as const) {
      expect(await outcome(() => db.dataSource.query(`SELECT install_tenant_context_key($1, $2)`, [id, secret]))).toMatch(/^22023: /);
    }
    // The table holds pads, never the secret itself.
    const [{ pads }] = await db.dataSource.query(
      `SELECT position($1::bytea IN inner_pad) = 0 AND position($1::bytea IN outer_pad) = 0 AS pads FROM tenant_context_keys WHERE key_id = 'idempotent'`,
      [key.withSecret((s) => s)],
    );
    expect(pads).toBe(true);
  });

  it('rotation: a new key works beside the old one, and once the old one is retired it is refused', async () => {
    const oldKey = TenantContextKey.generate('rotation-old');
    const newKey = TenantContextKey.generate('rotation-new');
    await installTenantContextKey(db.dataSource, oldKey);
    const enter = (key: TenantContextKey) => withTenant(app, tenant, (m) => m.query(`SELECT current_tenant_id() AS t`), { contextKey: key });
    expect(await enter(oldKey)).toEqual([{ t: tenant }]);
    await installTenantContextKey(db.dataSource, newKey);
    expect(await enter(oldKey)).toEqual([{ t: tenant }]); // instances not yet switched keep working
    expect(await enter(newKey)).toEqual([{ t: tenant }]);
    expect(await retireTenantContextKey(db.dataSource, 'rotation-old')).toBe(true);
    await expect(enter(oldKey)).rejects.toThrow(TenantProofRejectedError);
    expect(await enter(newKey)).toEqual([{ t: tenant }]);
    expect((await listTenantContextKeys(db.dataSource)).map((k) => k.keyId)).toEqual(expect.arrayContaining(['rotation-new']));
    expect((await listTenantContextKeys(db.dataSource)).map((k) => k.keyId)).not.toContain('rotation-old');
  });

  it('a context minted with a key that is retired mid-transaction stops opening anything at once', async () => {
    const key = TenantContextKey.generate('retired-mid-way');
    await installTenantContextKey(db.dataSource, key);
    const seen = await withTenant(
      app,
      tenant,
      async (m) => {
        const before = await m.query(`SELECT count(*)::int AS n FROM tenants`);
        await retireTenantContextKey(db.dataSource, key.id);
        const after = await m.query(`SELECT count(*)::int AS n FROM tenants`);
        return [before[0].n, after[0].n];
      },
      { contextKey: key },
    );
    expect(seen).toEqual([1, 0]);
  });

  it('the CLI installs the configured key and lists it, without printing the secret', async () => {
    const key = TenantContextKey.generate('from-cli');
    const secret = key.withSecret((s) => s.toString('base64url'));
    const env = { DATABASE_URL: db.settings.url, FOUNDATION_TENANT_CONTEXT_KEY: key.format() };
    const installed = await runProjectCli('tenant-context', ['install-key'], env);
    expect(installed).toMatchObject({ code: 0, stdout: 'tenant-context key from-cli: installed\n' });
    const listed = await runProjectCli('tenant-context', ['list-keys'], env);
    expect(listed.stdout).toContain('from-cli  installed ');
    expect(installed.stdout + installed.stderr + listed.stdout + listed.stderr).not.toContain(secret);
    const generated = await runProjectCli('tenant-context', ['generate-key', '--id', 'fresh'], {});
    expect(generated.stdout).toMatch(/^FOUNDATION_TENANT_CONTEXT_KEY=fresh:[A-Za-z0-9_-]{43}\n$/);
  });

  it('in production, a missing key is an error naming the variable, not a generated one', () => {
    expect(() => resolveTenantContextKey({ NODE_ENV: 'production' })).toThrow(/FOUNDATION_TENANT_CONTEXT_KEY is not set/);
    expect(() => resolveTenantContextKey({ FOUNDATION_TENANT_CONTEXT_KEY: 'no-colon' })).toThrow(/must be "<key id>:<secret in base64>"/);
    expect(() => resolveTenantContextKey({ FOUNDATION_TENANT_CONTEXT_KEY: 'k:c2hvcnQ' })).toThrow(/32 to 64 bytes/);
  });
});
