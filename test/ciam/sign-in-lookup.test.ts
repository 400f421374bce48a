import { makeCiamGroupRoleMapping, makeCiamSystem, makeTenant, makeUser, makeUserCiamMapping } from '../support/factories';
import { useTestDatabase } from '../support/test-database';

/**
 * The lookups sign-in needs, on the CIAM tables: the provider by issuer, the current user of a
 * subject (never an unlinked one from history), and the roles the token's groups grant.
 */
describe('CIAM sign-in lookups', () => {
  const db = useTestDatabase();

  const SIGN_IN = `
    SELECT m.user_id FROM ciam_systems s
    JOIN user_ciam_mappings m ON m.tenant_id = s.tenant_id AND m.ciam_system_id = s.id
    WHERE s.issuer_url = $1 AND s.kind = $2 AND s.is_active AND s.deleted_at IS NULL
      AND m.external_subject = $3 AND m.unlinked_at IS NULL AND m.deleted_at IS NULL`;

  it('finds the current user of a subject, and follows a relink to another user', async () => {
    const manager = db.dataSource.manager;
    const tenant = await manager.save(makeTenant());
    const issuer = 'https://care.okta.example.org';
    const system = await manager.save(makeCiamSystem(tenant.id, { kind: 'okta', issuerUrl: issuer }));
    const [first, second] = await manager.save([makeUser(tenant.id), makeUser(tenant.id)]);
    const link = await manager.save(makeUserCiamMapping(tenant.id, first!.id, system.id, { externalSubject: '00u1' }));

    expect(await db.dataSource.query(SIGN_IN, [issuer, 'okta', '00u1'])).toEqual([{ user_id: first!.id }]);

    // The subject is handed to another user: the old link becomes history.
    await db.dataSource.query(`UPDATE user_ciam_mappings SET unlinked_at = now() WHERE tenant_id = $1 AND id = $2`, [
      tenant.id,
      link.id,
    ]);
    await manager.save(makeUserCiamMapping(tenant.id, second!.id, system.id, { externalSubject: '00u1' }));
    expect(await db.dataSource.query(SIGN_IN, [issuer, 'okta', '00u1'])).toEqual([{ user_id: second!.id }]);
    const [history] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM user_ciam_mappings WHERE tenant_id = $1 AND external_subject = '00u1'`,
      [tenant.id],
    );
    expect(history.n).toBe(2);

    // A deactivated provider signs nobody in.
    await db.dataSource.query(`UPDATE ciam_systems SET is_active = false WHERE tenant_id = $1 AND id = $2`, [tenant.id, system.id]);
    expect(await db.dataSource.query(SIGN_IN, [issuer, 'okta', '00u1'])).toEqual([]);
  });

  it("maps a token's groups to the tenant's roles", async () => {
    const manager = db.dataSource.manager;
    const tenant = await manager.save(makeTenant());
    const system = await manager.save(makeCiamSystem(tenant.id, { kind: 'cognito' }));
    await manager.save([
      makeCiamGroupRoleMapping(tenant.id, system.id, { claimName: 'cognito:groups', claimValue: 'nurses', role: 'staff' }),
      makeCiamGroupRoleMapping(tenant.id, system.id, { claimName: 'cognito:groups', claimValue: 'admins', role: 'tenant_admin' }),
      makeCiamGroupRoleMapping(tenant.id, system.id, { claimName: 'cognito:groups', claimValue: 'auditors', role: 'viewer' }),
    ]);
    const roles = await db.dataSource.query(
      `SELECT role FROM ciam_group_role_mappings
       WHERE tenant_id = $1 AND ciam_system_id = $2 AND claim_name = 'cognito:groups' AND claim_value = ANY ($3)
         AND deleted_at IS NULL ORDER BY role`,
      [tenant.id, system.id, ['nurses', 'admins', 'unknown-group']],
    );
    expect(roles).toEqual([{ role: 'tenant_admin' }, { role: 'staff' }]);
  });
});
