import { FormFieldContribution } from '../../src/entities';
import { makeFormFieldContribution, unknownId } from '../support/factories';
import { seedClinicalWorld } from '../support/fixtures';
import { withForeignKeysDisabled } from '../support/foreign-keys';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('form_field_contributions: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let world: Awaited<ReturnType<typeof seedClinicalWorld>>;
  const tested = new Set<string>();
  // Superseded, so that probes never collide with the current contribution of the field.
  const valid = () => makeFormFieldContribution(world.tenantA.id, world.a.placement.id, { supersededAt: new Date('2025-02-01T00:00:00Z') });
  const probe = async (samples: RuleSamples<FormFieldContribution>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, FormFieldContribution, valid, samples)).toEqual([]);
  };
  const insert = (row: FormFieldContribution) => outcomeOf(() => db.dataSource.manager.insert(FormFieldContribution, row));

  beforeAll(async () => {
    world = await seedClinicalWorld(db.dataSource);
  });

  it('contribution_source_enum: only the declared sources', () =>
    probe({ rule: 'contribution_source_enum', property: 'source', accepted: ['staff_entry', 'client_interview', 'family_member', 'referral_document', 'specialist_report', 'import', 'other'], rejected: ['rumour'] }));

  it('chk_form_field_contributions_field_key_format: snake_case, at most 63 characters', () =>
    probe({
      rule: 'chk_form_field_contributions_field_key_format',
      property: 'fieldKey',
      accepted: ['diagnoses', 'care_needs', `x${'y'.repeat(62)}`],
      rejected: ['Diagnoses', 'care-needs', '', `x${'y'.repeat(63)}`],
    }));

  it('chk_form_field_contributions_superseded_after_contributed: not superseded before it was contributed', () =>
    probe({
      rule: 'chk_form_field_contributions_superseded_after_contributed',
      property: 'supersededAt',
      with: { contributedAt: new Date('2025-01-06T10:00:00Z') },
      accepted: [new Date('2025-01-06T10:00:00Z'), new Date('2025-03-01T00:00:00Z')],
      rejected: [new Date('2025-01-06T09:59:59Z')],
    }));

  it('uq_form_field_contributions_current_per_field: one current live contribution per record and field', async () => {
    tested.add('uq_form_field_contributions_current_per_field');
    const { tenantA, a } = world;
    const current = await db.dataSource.manager.save(makeFormFieldContribution(tenantA.id, a.placement.id, { fieldKey: 'care_needs' }));
    expect(await insert(makeFormFieldContribution(tenantA.id, a.placement.id, { fieldKey: 'care_needs' }))).toContain(
      'uq_form_field_contributions_current_per_field',
    );
    expect(await insert(makeFormFieldContribution(tenantA.id, a.placement.id, { fieldKey: 'preferences' }))).toBe('accepted');
    await db.dataSource.getRepository(FormFieldContribution).update(
      { tenantId: tenantA.id, id: current.id },
      { supersededAt: new Date('2025-03-01T00:00:00Z') },
    );
    expect(await insert(makeFormFieldContribution(tenantA.id, a.placement.id, { fieldKey: 'care_needs' }))).toBe('accepted');
  });

  it("fk_form_field_contributions_placement_record_id and _form_metadata_id: of the row's own tenant", async () => {
    tested.add('fk_form_field_contributions_placement_record_id');
    tested.add('fk_form_field_contributions_form_metadata_id');
    const { tenantA, a, b } = world;
    const superseded = { supersededAt: new Date('2025-02-01T00:00:00Z') };
    expect(await insert(makeFormFieldContribution(tenantA.id, b.placement.id, superseded))).toContain('fk_form_field_contributions_placement_record_id');
    expect(await insert(makeFormFieldContribution(tenantA.id, a.placement.id, { ...superseded, formMetadataId: b.form.id }))).toContain(
      'fk_form_field_contributions_form_metadata_id',
    );
    expect(await insert(makeFormFieldContribution(tenantA.id, a.placement.id, { ...superseded, formMetadataId: a.form.id }))).toBe('accepted');
  });

  it('fk_form_field_contributions_tenant_id: the tenant must exist, even on its own', async () => {
    tested.add('fk_form_field_contributions_tenant_id');
    const outcome = await withForeignKeysDisabled(db.dataSource, 'form_field_contributions', ['fk_form_field_contributions_placement_record_id'], (runner) =>
      outcomeOf(() => runner.manager.insert(FormFieldContribution, makeFormFieldContribution(unknownId(), world.a.placement.id))),
    );
    expect(outcome).toContain('fk_form_field_contributions_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    expect((await rulesOfTable(db.dataSource, 'form_field_contributions')).filter((rule) => !tested.has(rule))).toEqual([]);
  });
});
