import { CiamGroupRoleMapping } from '../../src/entities';
import { makeCiamGroupRoleMapping, makeCiamSystem, unknownId } from '../support/factories';
import { seedTwoTenants, TwoTenants } from '../support/fixtures';
import { withForeignKeysDisabled } from '../support/foreign-keys';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('ciam_group_role_mappings: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let world: TwoTenants;
  let systemA: string;
  let systemB: string;
  const tested = new Set<string>();
  const valid = () => makeCiamGroupRoleMapping(world.tenantA.id, systemA);
  const probe = async (samples: RuleSamples<CiamGroupRoleMapping>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, CiamGroupRoleMapping, valid, samples)).toEqual([]);
  };
  const insert = (mapping: CiamGroupRoleMapping) =>
    outcomeOf(() => db.dataSource.manager.insert(CiamGroupRoleMapping, mapping));

  beforeAll(async () => {
    world = await seedTwoTenants(db.dataSource);
    systemA = (await db.dataSource.manager.save(makeCiamSystem(world.tenantA.id))).id;
    systemB = (await db.dataSource.manager.save(makeCiamSystem(world.tenantB.id))).id;
  });

  it('chk_ciam_group_role_mappings_claim_name_length: 1 to 100 characters, not blank', () =>
    probe({
      rule: 'chk_ciam_group_role_mappings_claim_name_length',
      property: 'claimName',
      accepted: ['groups', 'cognito:groups', 'x'.repeat(100)],
      rejected: ['', '  ', 'x'.repeat(101)],
    }));

  it('chk_ciam_group_role_mappings_claim_value_length: 1 to 255 characters, not blank', () =>
    probe({
      rule: 'chk_ciam_group_role_mappings_claim_value_length',
      property: 'claimValue',
      accepted: ['placement-admins', 'x'.repeat(255)],
      rejected: ['', '   ', 'x'.repeat(256)],
    }));

  it('chk_ciam_group_role_mappings_role_not_platform_admin: a tenant provider cannot grant platform_admin', () =>
    probe({
      rule: 'chk_ciam_group_role_mappings_role_not_platform_admin',
      property: 'role',
      accepted: ['tenant_admin', 'facility_manager', 'staff', 'viewer'],
      rejected: ['platform_admin'],
    }));

  it('user_role_enum: only the declared roles', () =>
    probe({ rule: 'user_role_enum', property: 'role', accepted: ['viewer'], rejected: ['superuser', 'ADMIN'] }));

  it('uq_ciam_group_role_mappings_claim: one live mapping per provider, claim and value', async () => {
    tested.add('uq_ciam_group_role_mappings_claim');
    const { tenantA } = world;
    const first = await db.dataSource.manager.save(
      makeCiamGroupRoleMapping(tenantA.id, systemA, { claimValue: 'nurses', role: 'staff' }),
    );
    expect(await insert(makeCiamGroupRoleMapping(tenantA.id, systemA, { claimValue: 'nurses', role: 'viewer' }))).toContain(
      'uq_ciam_group_role_mappings_claim',
    );
    expect(await insert(makeCiamGroupRoleMapping(tenantA.id, systemA, { claimName: 'roles', claimValue: 'nurses' }))).toBe(
      'accepted',
    );
    await db.dataSource.getRepository(CiamGroupRoleMapping).softDelete({ tenantId: tenantA.id, id: first.id });
    expect(await insert(makeCiamGroupRoleMapping(tenantA.id, systemA, { claimValue: 'nurses', role: 'viewer' }))).toBe(
      'accepted',
    );
  });

  it("fk_ciam_group_role_mappings_ciam_system_id: the provider must be of the row's own tenant", async () => {
    tested.add('fk_ciam_group_role_mappings_ciam_system_id');
    expect(await insert(makeCiamGroupRoleMapping(world.tenantA.id, systemB))).toContain(
      'fk_ciam_group_role_mappings_ciam_system_id',
    );
    expect(await insert(makeCiamGroupRoleMapping(world.tenantA.id, unknownId()))).toContain(
      'fk_ciam_group_role_mappings_ciam_system_id',
    );
  });

  it('fk_ciam_group_role_mappings_tenant_id: the tenant must exist, even on its own', async () => {
    tested.add('fk_ciam_group_role_mappings_tenant_id');
    const outcome = await withForeignKeysDisabled(
      db.dataSource,
      'ciam_group_role_mappings',
      ['fk_ciam_group_role_mappings_ciam_system_id'],
      (runner) =>
        outcomeOf(() => runner.manager.insert(CiamGroupRoleMapping, makeCiamGroupRoleMapping(unknownId(), systemA))),
    );
    expect(outcome).toContain('fk_ciam_group_role_mappings_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    const untested = (await rulesOfTable(db.dataSource, 'ciam_group_role_mappings')).filter((rule) => !tested.has(rule));
    expect(untested).toEqual([]);
  });
});
