import { Client, CLIENT_STATUSES } from '../../src/entities';
import { makeClient, unknownId } from '../support/factories';
import { daysFromTodayUtc, seedTwoTenants, TwoTenants } from '../support/fixtures';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('clients: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let world: TwoTenants;
  const tested = new Set<string>();
  const probe = async (samples: RuleSamples<Client>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, Client, () => makeClient(world.tenantA.id), samples)).toEqual([]);
  };
  const insert = (client: Client) => outcomeOf(() => db.dataSource.manager.insert(Client, client));

  beforeAll(async () => {
    world = await seedTwoTenants(db.dataSource);
  });

  it.each([
    ['chk_clients_first_name_length', 'firstName'],
    ['chk_clients_last_name_length', 'lastName'],
  ] as const)('%s on %s: 1 to 100 characters, not blank', (rule, property) =>
    probe({ rule, property, accepted: ['Jo', 'x'.repeat(100), ' Jo '], rejected: ['', '   ', 'x'.repeat(101)] }),
  );

  it('chk_clients_preferred_name_length: optional, 1 to 100 characters when present', () =>
    probe({
      rule: 'chk_clients_preferred_name_length',
      property: 'preferredName',
      accepted: [null, 'Bobby', 'x'.repeat(100)],
      rejected: ['', ' ', 'x'.repeat(101)],
    }));

  it('chk_clients_date_of_birth_range: from 1900-01-01 up to today', () =>
    probe({
      rule: 'chk_clients_date_of_birth_range',
      property: 'dateOfBirth',
      accepted: ['1900-01-01', '1950-06-15', daysFromTodayUtc(-1)],
      rejected: ['1899-12-31', daysFromTodayUtc(2), '2999-01-01'],
    }));

  it('chk_clients_medical_record_number_format: 1 to 64 letters, digits or hyphens', () =>
    probe({
      rule: 'chk_clients_medical_record_number_format',
      property: 'medicalRecordNumber',
      accepted: ['A', 'MRN-0001', '0042', 'x'.repeat(64)],
      rejected: ['', '-A', 'MRN 1', 'MRN_1', 'x'.repeat(65)],
    }));

  it('chk_clients_discharge_after_admission: a discharge needs an admission and is not before it', async () => {
    await probe({
      rule: 'chk_clients_discharge_after_admission',
      property: 'dischargedOn',
      with: { admittedOn: '2024-03-01' },
      accepted: [null, '2024-03-01', '2024-03-02'],
      rejected: ['2024-02-29', '2023-12-31'],
    });
    await probe({
      rule: 'chk_clients_discharge_after_admission',
      property: 'dischargedOn',
      with: { admittedOn: null },
      accepted: [null],
      rejected: ['2024-03-01'],
    });
  });

  it('client_status_enum: only the declared statuses', () =>
    probe({ rule: 'client_status_enum', property: 'status', accepted: [...CLIENT_STATUSES], rejected: ['deceased', ''] }));

  it('uq_clients_tenant_id_medical_record_number: one live client per record number and tenant', async () => {
    tested.add('uq_clients_tenant_id_medical_record_number');
    const first = await db.dataSource.manager.save(makeClient(world.tenantA.id, { medicalRecordNumber: 'MRN-DUP' }));
    expect(await insert(makeClient(world.tenantA.id, { medicalRecordNumber: 'MRN-DUP' }))).toContain(
      'uq_clients_tenant_id_medical_record_number',
    );
    expect(await insert(makeClient(world.tenantB.id, { medicalRecordNumber: 'MRN-DUP' }))).toBe('accepted');
    await db.dataSource.getRepository(Client).softDelete({ tenantId: first.tenantId, id: first.id });
    expect(await insert(makeClient(world.tenantA.id, { medicalRecordNumber: 'MRN-DUP' }))).toBe('accepted');
  });

  it("fk_clients_facility_id: the facility must be one of the client's own tenant", async () => {
    tested.add('fk_clients_facility_id');
    expect(await insert(makeClient(world.tenantA.id, { facilityId: world.facilityA.id }))).toBe('accepted');
    expect(await insert(makeClient(world.tenantA.id, { facilityId: world.facilityB.id }))).toContain('fk_clients_facility_id');
    expect(await insert(makeClient(world.tenantA.id, { facilityId: unknownId() }))).toContain('fk_clients_facility_id');

    const placed = await db.dataSource.manager.save(makeClient(world.tenantA.id, { facilityId: world.facilityA.id }));
    const move = () =>
      db.dataSource.query(`UPDATE clients SET facility_id = $1 WHERE tenant_id = $2 AND id = $3`, [
        world.facilityB.id,
        placed.tenantId,
        placed.id,
      ]);
    expect(await outcomeOf(move)).toContain('fk_clients_facility_id');
  });

  it('fk_clients_tenant_id: the tenant must exist', async () => {
    tested.add('fk_clients_tenant_id');
    expect(await insert(makeClient(unknownId()))).toContain('fk_clients_tenant_id');
  });

  it('a facility with clients cannot be hard-deleted (ON DELETE RESTRICT)', async () => {
    const facility = world.facilityA;
    const remove = () => db.dataSource.query(`DELETE FROM facilities WHERE tenant_id = $1 AND id = $2`, [facility.tenantId, facility.id]);
    expect(await outcomeOf(remove)).toContain('fk_clients_facility_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    const untested = (await rulesOfTable(db.dataSource, 'clients')).filter((rule) => !tested.has(rule));
    expect(untested).toEqual([]);
  });
});
