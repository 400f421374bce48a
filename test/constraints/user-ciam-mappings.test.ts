import { UserCiamMapping } from '../../src/entities';
import { makeCiamSystem, makeUser, makeUserCiamMapping, unknownId } from '../support/factories';
import { seedTwoTenants, TwoTenants } from '../support/fixtures';
import { withForeignKeysDisabled } from '../support/foreign-keys';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('user_ciam_mappings: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let world: TwoTenants;
  let systemA: string;
  let systemB: string;
  const tested = new Set<string>();
  // Each probe sample gets a user of its own, so the one-current-mapping rule stays out of the way.
  let freshUserId: string;
  const valid = () => makeUserCiamMapping(world.tenantA.id, freshUserId, systemA);
  const probe = async (samples: RuleSamples<UserCiamMapping>) => {
    tested.add(samples.rule);
    freshUserId = (await db.dataSource.manager.save(makeUser(world.tenantA.id))).id;
    expect(await probeRule(db.dataSource, UserCiamMapping, valid, samples)).toEqual([]);
  };
  const insert = (mapping: UserCiamMapping) => outcomeOf(() => db.dataSource.manager.insert(UserCiamMapping, mapping));

  beforeAll(async () => {
    world = await seedTwoTenants(db.dataSource);
    systemA = (await db.dataSource.manager.save(makeCiamSystem(world.tenantA.id))).id;
    systemB = (await db.dataSource.manager.save(makeCiamSystem(world.tenantB.id))).id;
  });

  it('chk_user_ciam_mappings_external_subject_length: 1 to 255 characters', () =>
    probe({
      rule: 'chk_user_ciam_mappings_external_subject_length',
      property: 'externalSubject',
      accepted: ['a', '00u1abcd2EFGH3ijk4x7', 'auth0|64f0c0ffee', 'x'.repeat(255)],
      rejected: ['', 'x'.repeat(256)],
    }));

  it('chk_user_ciam_mappings_unlinked_after_linked: a link does not end before it began', () =>
    probe({
      rule: 'chk_user_ciam_mappings_unlinked_after_linked',
      property: 'unlinkedAt',
      with: { linkedAt: new Date('2024-03-01T12:00:00Z') },
      accepted: [null, new Date('2024-03-01T12:00:00Z'), new Date('2025-01-01T00:00:00Z')],
      rejected: [new Date('2024-03-01T11:59:59Z'), new Date('2020-01-01T00:00:00Z')],
    }));

  it('uq_user_ciam_mappings_current_per_user: at most one current mapping per user; history is kept', async () => {
    tested.add('uq_user_ciam_mappings_current_per_user');
    const { tenantA } = world;
    const user = await db.dataSource.manager.save(makeUser(tenantA.id));
    const otherSystem = await db.dataSource.manager.save(makeCiamSystem(tenantA.id, { kind: 'okta' }));
    const current = await db.dataSource.manager.save(makeUserCiamMapping(tenantA.id, user.id, systemA));

    // A second current mapping, even at another provider, is refused.
    expect(await insert(makeUserCiamMapping(tenantA.id, user.id, otherSystem.id))).toContain(
      'uq_user_ciam_mappings_current_per_user',
    );
    // Unlinking keeps the row as history and frees the slot.
    await db.dataSource
      .getRepository(UserCiamMapping)
      .update({ tenantId: tenantA.id, id: current.id }, { unlinkedAt: new Date('2024-06-01T00:00:00Z') });
    expect(await insert(makeUserCiamMapping(tenantA.id, user.id, otherSystem.id))).toBe('accepted');
    const rows = await db.dataSource.getRepository(UserCiamMapping).countBy({ tenantId: tenantA.id, userId: user.id });
    expect(rows).toBe(2);
  });

  it('uq_user_ciam_mappings_current_subject: a subject maps to at most one current user per provider', async () => {
    tested.add('uq_user_ciam_mappings_current_subject');
    const { tenantA } = world;
    const [first, second] = await db.dataSource.manager.save([makeUser(tenantA.id), makeUser(tenantA.id)]);
    const mapping = await db.dataSource.manager.save(
      makeUserCiamMapping(tenantA.id, first!.id, systemA, { externalSubject: 'shared-subject' }),
    );
    expect(
      await insert(makeUserCiamMapping(tenantA.id, second!.id, systemA, { externalSubject: 'shared-subject' })),
    ).toContain('uq_user_ciam_mappings_current_subject');
    // The same subject at another provider is another identity.
    const okta = await db.dataSource.manager.save(makeCiamSystem(tenantA.id, { kind: 'okta' }));
    expect(await insert(makeUserCiamMapping(tenantA.id, second!.id, okta.id, { externalSubject: 'shared-subject' }))).toBe(
      'accepted',
    );
    await db.dataSource.getRepository(UserCiamMapping).softDelete({ tenantId: tenantA.id, id: mapping.id });
    const third = await db.dataSource.manager.save(makeUser(tenantA.id));
    expect(await insert(makeUserCiamMapping(tenantA.id, third.id, systemA, { externalSubject: 'shared-subject' }))).toBe(
      'accepted',
    );
  });

  it("fk_user_ciam_mappings_user_id and fk_user_ciam_mappings_ciam_system_id: both of the row's own tenant", async () => {
    tested.add('fk_user_ciam_mappings_user_id');
    tested.add('fk_user_ciam_mappings_ciam_system_id');
    const { tenantA, userA, userB } = world;
    expect(await insert(makeUserCiamMapping(tenantA.id, userB.id, systemA))).toContain('fk_user_ciam_mappings_user_id');
    expect(await insert(makeUserCiamMapping(tenantA.id, userA.id, systemB))).toContain(
      'fk_user_ciam_mappings_ciam_system_id',
    );
    expect(await insert(makeUserCiamMapping(tenantA.id, userA.id, unknownId()))).toContain(
      'fk_user_ciam_mappings_ciam_system_id',
    );
  });

  it('fk_user_ciam_mappings_tenant_id: the tenant must exist, even on its own', async () => {
    tested.add('fk_user_ciam_mappings_tenant_id');
    const outcome = await withForeignKeysDisabled(
      db.dataSource,
      'user_ciam_mappings',
      ['fk_user_ciam_mappings_user_id', 'fk_user_ciam_mappings_ciam_system_id'],
      (runner) =>
        outcomeOf(() => runner.manager.insert(UserCiamMapping, makeUserCiamMapping(unknownId(), world.userA.id, systemA))),
    );
    expect(outcome).toContain('fk_user_ciam_mappings_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    const untested = (await rulesOfTable(db.dataSource, 'user_ciam_mappings')).filter((rule) => !tested.has(rule));
    expect(untested).toEqual([]);
  });
});
