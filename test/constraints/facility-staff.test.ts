import { FacilityStaff } from '../../src/entities';
import { makeFacility, makeFacilityStaff, makeUser, unknownId } from '../support/factories';
import { seedTwoTenants, TwoTenants } from '../support/fixtures';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('facility_staff: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let world: TwoTenants;
  const tested = new Set<string>();
  const valid = () => makeFacilityStaff(world.tenantA.id, world.facilityA.id, world.userA.id);
  const probe = async (samples: RuleSamples<FacilityStaff>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, FacilityStaff, valid, samples)).toEqual([]);
  };
  const insert = (staff: FacilityStaff) => outcomeOf(() => db.dataSource.manager.insert(FacilityStaff, staff));

  beforeAll(async () => {
    world = await seedTwoTenants(db.dataSource);
  });

  it('chk_facility_staff_end_after_start: an assignment does not end before it starts', () =>
    probe({
      rule: 'chk_facility_staff_end_after_start',
      property: 'endedOn',
      with: { startedOn: '2024-01-10' },
      accepted: [null, '2024-01-10', '2025-06-30'],
      rejected: ['2024-01-09', '2023-01-01'],
    }));

  it('facility_role_enum: only the declared roles', () =>
    probe({ rule: 'facility_role_enum', property: 'role', accepted: ['administrator', 'nurse', 'caregiver', 'case_manager', 'social_worker', 'support'], rejected: ['doctor'] }));

  it('uq_facility_staff_open_assignment: at most one open assignment per facility and user', async () => {
    tested.add('uq_facility_staff_open_assignment');
    const { tenantA } = world;
    const facility = await db.dataSource.manager.save(makeFacility(tenantA.id));
    const otherFacility = await db.dataSource.manager.save(makeFacility(tenantA.id));
    const user = await db.dataSource.manager.save(makeUser(tenantA.id));
    const open = await db.dataSource.manager.save(makeFacilityStaff(tenantA.id, facility.id, user.id));

    expect(await insert(makeFacilityStaff(tenantA.id, facility.id, user.id, { role: 'caregiver' }))).toContain(
      'uq_facility_staff_open_assignment',
    );
    expect(await insert(makeFacilityStaff(tenantA.id, otherFacility.id, user.id))).toBe('accepted');

    await db.dataSource.getRepository(FacilityStaff).update({ tenantId: tenantA.id, id: open.id }, { endedOn: '2024-06-30' });
    expect(await insert(makeFacilityStaff(tenantA.id, facility.id, user.id, { startedOn: '2024-07-01' }))).toBe('accepted');
    expect(
      await insert(makeFacilityStaff(tenantA.id, facility.id, user.id, { startedOn: '2023-01-01', endedOn: '2023-12-31' })),
    ).toBe('accepted');
  });

  it("fk_facility_staff_facility_id and fk_facility_staff_user_id: both must be of the row's own tenant", async () => {
    tested.add('fk_facility_staff_facility_id');
    tested.add('fk_facility_staff_user_id');
    const { tenantA, facilityA, facilityB, userA, userB } = world;
    expect(await insert(makeFacilityStaff(tenantA.id, facilityB.id, userA.id))).toContain('fk_facility_staff_facility_id');
    expect(await insert(makeFacilityStaff(tenantA.id, facilityA.id, userB.id))).toContain('fk_facility_staff_user_id');
    expect(await insert(makeFacilityStaff(tenantA.id, unknownId(), userA.id))).toContain('fk_facility_staff_facility_id');
  });

  it('fk_facility_staff_tenant_id: the tenant must exist, even on its own', async () => {
    tested.add('fk_facility_staff_tenant_id');
    // The facility and user keys also fail for an unknown tenant, and PostgreSQL reports the
    // first failure it finds. To see this key alone, the other two keys' triggers are disabled
    // inside a transaction that is rolled back.
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      const triggers: { tgname: string }[] = await runner.query(
        `SELECT t.tgname FROM pg_trigger t JOIN pg_constraint c ON c.oid = t.tgconstraint
         WHERE t.tgrelid = 'facility_staff'::regclass
           AND c.conname IN ('fk_facility_staff_facility_id', 'fk_facility_staff_user_id')`,
      );
      expect(triggers.length).toBeGreaterThan(0);
      for (const { tgname } of triggers) await runner.query(`ALTER TABLE facility_staff DISABLE TRIGGER "${tgname}"`);
      const outcome = await outcomeOf(() =>
        runner.manager.insert(FacilityStaff, makeFacilityStaff(unknownId(), world.facilityA.id, world.userA.id)),
      );
      expect(outcome).toContain('fk_facility_staff_tenant_id');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    const untested = (await rulesOfTable(db.dataSource, 'facility_staff')).filter((rule) => !tested.has(rule));
    expect(untested).toEqual([]);
  });
});
