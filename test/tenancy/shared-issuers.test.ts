import { DataSource } from 'typeorm';
import { resolveLogin, withPlatformRole, withTenant } from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { createTenant, Query, TABLE_WRITERS } from '../support/tenant-data';
import { outcome } from '../support/tenant-context';
import { useTestDatabase } from '../support/test-database';

const ISSUER_B = 'https://login.birch.example.org/';

/**
 * The attack of the issue: tenant A registers tenant B's identity-provider issuer and links
 * B's subject to one of A's users, so that signing in with B's identity offers A's account too.
 * A tenant's own transaction can no longer register an issuer another tenant uses; only the
 * platform path can, for issuers that really are shared.
 */
describe('an issuer another tenant uses is registered through the platform only', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  const secondLogin = useAppLogin(db);
  const platformLogin = useAppLogin(db, ['foundation_platform'], false);
  let app: DataSource;
  let platform: DataSource;
  let tenantA: string;
  let tenantB: string;
  let userA: string;
  let userB: string;
  const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);

  const registerOwn = (tenant: string, issuer: string) => (m: { query: Query }) =>
    m.query(`INSERT INTO ciam_systems (tenant_id, kind, display_name, issuer_url) VALUES ($1, 'oidc', 'IdP', $2) RETURNING id`, [tenant, issuer]);

  beforeAll(async () => {
    tenantA = await createTenant(owner);
    tenantB = await createTenant(owner);
    userA = await TABLE_WRITERS.users!.insert(owner, tenantA, { facilityId: '', userId: '' });
    userB = await TABLE_WRITERS.users!.insert(owner, tenantB, { facilityId: '', userId: '' });
    app = await login.connect(2);
    platform = await platformLogin.connect(1);
    // B registers its own provider, as any tenant may, and links its user's subject.
    await withTenant(app, tenantB, async (m) => {
      const [{ id }] = await registerOwn(tenantB, ISSUER_B)(m);
      await m.query(`INSERT INTO user_ciam_mappings (tenant_id, user_id, ciam_system_id, external_subject) VALUES ($1, $2, $3, 'subject-b')`, [
        tenantB,
        userB,
        id,
      ]);
    });
  });

  it("A cannot register B's issuer, neither by INSERT nor by changing or restoring one of its own", async () => {
    const own = await withTenant(app, tenantA, async (m) => (await registerOwn(tenantA, 'https://login.acme.example.org/')(m))[0].id);
    const attempts = {
      insert: await outcome(() => withTenant(app, tenantA, registerOwn(tenantA, ISSUER_B))),
      'change issuer': await outcome(() => withTenant(app, tenantA, (m) => m.query(`UPDATE ciam_systems SET issuer_url = $1 WHERE id = $2`, [ISSUER_B, own]))),
      upsert: await outcome(() =>
        withTenant(app, tenantA, (m) =>
          m.query(`INSERT INTO ciam_systems (tenant_id, kind, display_name, issuer_url) VALUES ($1, 'okta', 'IdP', $2) ON CONFLICT DO NOTHING`, [tenantA, ISSUER_B]),
        ),
      ),
    };
    expect(attempts).toEqual({
      insert: `42501: ciam_systems: issuer ${ISSUER_B} is already registered by another tenant`,
      'change issuer': `42501: ciam_systems: issuer ${ISSUER_B} is already registered by another tenant`,
      upsert: `42501: ciam_systems: issuer ${ISSUER_B} is already registered by another tenant`,
    });
    // A soft-deleted provider of A's, restored after its issuer was changed behind the guard's back.
    const hidden = await withTenant(app, tenantA, async (m) => (await registerOwn(tenantA, 'https://old.acme.example.org/')(m))[0].id);
    await withTenant(app, tenantA, (m) => m.query(`UPDATE ciam_systems SET deleted_at = now() WHERE id = $1`, [hidden]));
    await owner(`ALTER TABLE ciam_systems DISABLE TRIGGER trg_ciam_systems_shared_issuer`);
    await owner(`UPDATE ciam_systems SET issuer_url = $1 WHERE id = $2`, [ISSUER_B, hidden]);
    await owner(`ALTER TABLE ciam_systems ENABLE TRIGGER trg_ciam_systems_shared_issuer`);
    expect(await outcome(() => withTenant(app, tenantA, (m) => m.query(`UPDATE ciam_systems SET deleted_at = NULL WHERE id = $1`, [hidden])))).toMatch(
      /^42501: .*already registered by another tenant/,
    );
  });

  it("so B's subject cannot be linked into A: signing in with B's identity offers B only", async () => {
    // A's only route would be a mapping under one of its own providers, none of which has B's issuer.
    expect(await resolveLogin(app, ISSUER_B, 'subject-b')).toEqual([{ tenantId: tenantB, userId: userB }]);
    const [{ n }] = await owner(`SELECT count(*)::int AS n FROM ciam_systems WHERE tenant_id = $1 AND issuer_url = $2 AND deleted_at IS NULL`, [tenantA, ISSUER_B]);
    expect(n).toBe(0);
  });

  it('two tenants registering the same new issuer at once: exactly one succeeds', async () => {
    const issuer = 'https://race.example.org/';
    const other = await secondLogin.connect(1);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const firstInserted = new Promise<void>((resolve) => (inserted = resolve));
    const first = withTenant(app, tenantA, async (m) => {
      await registerOwn(tenantA, issuer)(m);
      inserted();
      await gate; // holds its uncommitted row and the issuer's lock
    });
    await firstInserted;
    const second = outcome(() => withTenant(other, tenantB, registerOwn(tenantB, issuer)));
    // The second waits on the issuer's advisory lock until the first commits.
    for (let i = 0; i < 50; i++) {
      const [{ waiting }] = await owner(`SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
      if (waiting > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    release();
    await first;
    expect(await second).toMatch(/^42501: .*already registered by another tenant/);
  });

  it('the platform path registers a shared issuer for A; sign-in then offers both, as intended', async () => {
    const id = await withPlatformRole(platform, (operations) =>
      operations.registerSharedCiamSystem(tenantA, { kind: 'oidc', displayName: 'Birch group IdP', issuerUrl: ISSUER_B }),
    );
    await withTenant(app, tenantA, (m) =>
      m.query(`INSERT INTO user_ciam_mappings (tenant_id, user_id, ciam_system_id, external_subject) VALUES ($1, $2, $3, 'subject-b')`, [tenantA, userA, id]),
    );
    const resolved = await resolveLogin(app, ISSUER_B, 'subject-b');
    expect(resolved.map((r) => r.tenantId).sort()).toEqual([tenantA, tenantB].sort());
  });

  it('only foundation_platform may call the platform path; the check itself reveals nothing to PUBLIC', async () => {
    const call = `SELECT platform_register_shared_ciam_system($1, 'oidc', 'x', 'https://x.example.org/')`;
    expect((await outcome(() => withTenant(app, tenantA, (m) => m.query(call, [tenantA])))).slice(0, 5)).toBe('42501');
    const [row] = await owner(
      `SELECT has_function_privilege('public', 'ciam_issuer_used_by_other_tenant(uuid, text)', 'EXECUTE') AS public_check,
              has_function_privilege('public', $1::regprocedure, 'EXECUTE') AS public_register,
              has_function_privilege('foundation_platform', $1::regprocedure, 'EXECUTE') AS platform_register,
              (SELECT proowner::regrole::text FROM pg_proc WHERE oid = $1::regprocedure) AS owner`,
      ['platform_register_shared_ciam_system(uuid, ciam_provider_kind_enum, text, text, text, text, text)'],
    );
    expect(row).toEqual({ public_check: false, public_register: false, platform_register: true, owner: 'foundation_issuer_registry' });
  });
});
