import { PlacementRecordSpecialist } from '../../src/entities';
import { makePlacementRecordSpecialist, unknownId } from '../support/factories';
import { seedClinicalWorld } from '../support/fixtures';
import { withForeignKeysDisabled } from '../support/foreign-keys';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('placement_record_specialists: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let world: Awaited<ReturnType<typeof seedClinicalWorld>>;
  const tested = new Set<string>();
  const probe = async (samples: RuleSamples<PlacementRecordSpecialist>) => {
    tested.add(samples.rule);
    expect(
      await probeRule(db.dataSource, PlacementRecordSpecialist, () => makePlacementRecordSpecialist(world.tenantA.id, world.a.placement.id, world.a.specialist.id), samples),
    ).toEqual([]);
  };
  const insert = (row: PlacementRecordSpecialist) => outcomeOf(() => db.dataSource.manager.insert(PlacementRecordSpecialist, row));

  beforeAll(async () => {
    world = await seedClinicalWorld(db.dataSource);
  });

  it('placement_specialist_role_enum: only the declared roles', () =>
    probe({ rule: 'placement_specialist_role_enum', property: 'role', accepted: ['primary_care', 'consulting', 'referring', 'therapy', 'other'], rejected: ['surgeon'] }));

  it('uq_placement_record_specialists_link: a specialist once per record among live links', async () => {
    tested.add('uq_placement_record_specialists_link');
    const { tenantA, a } = world;
    const link = await db.dataSource.manager.save(makePlacementRecordSpecialist(tenantA.id, a.placement.id, a.specialist.id));
    expect(await insert(makePlacementRecordSpecialist(tenantA.id, a.placement.id, a.specialist.id, { role: 'therapy' }))).toContain(
      'uq_placement_record_specialists_link',
    );
    await db.dataSource.getRepository(PlacementRecordSpecialist).softDelete({ tenantId: tenantA.id, id: link.id });
    expect(await insert(makePlacementRecordSpecialist(tenantA.id, a.placement.id, a.specialist.id))).toBe('accepted');
  });

  it('fk_placement_record_specialists_placement_record_id and _specialist_id: of the row\'s own tenant', async () => {
    tested.add('fk_placement_record_specialists_placement_record_id');
    tested.add('fk_placement_record_specialists_specialist_id');
    const { tenantA, a, b } = world;
    expect(await insert(makePlacementRecordSpecialist(tenantA.id, b.placement.id, a.specialist.id))).toContain(
      'fk_placement_record_specialists_placement_record_id',
    );
    expect(await insert(makePlacementRecordSpecialist(tenantA.id, a.placement.id, b.specialist.id))).toContain(
      'fk_placement_record_specialists_specialist_id',
    );
    expect(await insert(makePlacementRecordSpecialist(tenantA.id, a.placement.id, unknownId()))).toContain(
      'fk_placement_record_specialists_specialist_id',
    );
  });

  it('fk_placement_record_specialists_tenant_id: the tenant must exist, even on its own', async () => {
    tested.add('fk_placement_record_specialists_tenant_id');
    const outcome = await withForeignKeysDisabled(
      db.dataSource,
      'placement_record_specialists',
      ['fk_placement_record_specialists_placement_record_id', 'fk_placement_record_specialists_specialist_id'],
      (runner) => outcomeOf(() => runner.manager.insert(PlacementRecordSpecialist, makePlacementRecordSpecialist(unknownId(), world.a.placement.id, world.a.specialist.id))),
    );
    expect(outcome).toContain('fk_placement_record_specialists_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    expect((await rulesOfTable(db.dataSource, 'placement_record_specialists')).filter((rule) => !tested.has(rule))).toEqual([]);
  });
});
