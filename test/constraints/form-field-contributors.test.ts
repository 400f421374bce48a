import { FormFieldContributor } from '../../src/entities';
import { makeFormFieldContributor, unknownId } from '../support/factories';
import { seedClinicalWorld } from '../support/fixtures';
import { withForeignKeysDisabled } from '../support/foreign-keys';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('form_field_contributors: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let world: Awaited<ReturnType<typeof seedClinicalWorld>>;
  const tested = new Set<string>();
  const valid = () => makeFormFieldContributor(world.tenantA.id, world.a.contribution.id, { userId: world.userA.id });
  const probe = async (samples: RuleSamples<FormFieldContributor>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, FormFieldContributor, valid, samples)).toEqual([]);
  };
  const insert = (row: FormFieldContributor) => outcomeOf(() => db.dataSource.manager.insert(FormFieldContributor, row));

  beforeAll(async () => {
    world = await seedClinicalWorld(db.dataSource);
  });

  it('contributor_role_enum: only the declared roles', () =>
    probe({ rule: 'contributor_role_enum', property: 'role', accepted: ['author', 'reviewer', 'informant', 'verifier'], rejected: ['owner'] }));

  it('chk_form_field_contributors_one_contributor: exactly one of a user and a specialist', async () => {
    await probe({ rule: 'chk_form_field_contributors_one_contributor', property: 'userId', accepted: [world.userA.id], rejected: [null] });
    await probe({ rule: 'chk_form_field_contributors_one_contributor', property: 'specialistId', accepted: [null], rejected: [world.a.specialist.id] });
    await probe({
      rule: 'chk_form_field_contributors_one_contributor',
      property: 'specialistId',
      with: { userId: null },
      accepted: [world.a.specialist.id],
      rejected: [null],
    });
  });

  it('uq_form_field_contributors_user and _specialist: a person once per contribution among live rows', async () => {
    const { tenantA, userA, a } = world;
    for (const [rule, who] of [
      ['uq_form_field_contributors_user', { userId: userA.id }],
      ['uq_form_field_contributors_specialist', { specialistId: a.specialist.id }],
    ] as const) {
      tested.add(rule);
      const first = await db.dataSource.manager.save(makeFormFieldContributor(tenantA.id, a.contribution.id, who));
      expect(await insert(makeFormFieldContributor(tenantA.id, a.contribution.id, who, { role: 'reviewer' }))).toContain(rule);
      await db.dataSource.getRepository(FormFieldContributor).softDelete({ tenantId: tenantA.id, id: first.id });
      expect(await insert(makeFormFieldContributor(tenantA.id, a.contribution.id, who))).toBe('accepted');
    }
  });

  it("fk_form_field_contributors_contribution_id, _user_id, _specialist_id: of the row's own tenant", async () => {
    for (const rule of ['fk_form_field_contributors_contribution_id', 'fk_form_field_contributors_user_id', 'fk_form_field_contributors_specialist_id']) tested.add(rule);
    const { tenantA, userA, userB, a, b } = world;
    expect(await insert(makeFormFieldContributor(tenantA.id, b.contribution.id, { userId: userA.id }))).toContain('fk_form_field_contributors_contribution_id');
    expect(await insert(makeFormFieldContributor(tenantA.id, a.contribution.id, { userId: userB.id }))).toContain('fk_form_field_contributors_user_id');
    expect(await insert(makeFormFieldContributor(tenantA.id, a.contribution.id, { specialistId: b.specialist.id }))).toContain(
      'fk_form_field_contributors_specialist_id',
    );
  });

  it('fk_form_field_contributors_tenant_id: the tenant must exist, even on its own', async () => {
    tested.add('fk_form_field_contributors_tenant_id');
    const outcome = await withForeignKeysDisabled(
      db.dataSource,
      'form_field_contributors',
      ['fk_form_field_contributors_contribution_id', 'fk_form_field_contributors_user_id'],
      (runner) => outcomeOf(() => runner.manager.insert(FormFieldContributor, makeFormFieldContributor(unknownId(), world.a.contribution.id, { userId: world.userA.id }))),
    );
    expect(outcome).toContain('fk_form_field_contributors_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    expect((await rulesOfTable(db.dataSource, 'form_field_contributors')).filter((rule) => !tested.has(rule))).toEqual([]);
  });
});
