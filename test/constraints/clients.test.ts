import { randomBytes } from 'node:crypto';
import { Client } from '../../src/entities';
import { makeClient, unknownId } from '../support/factories';
import { seedTwoTenants, TwoTenants } from '../support/fixtures';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { fakeCiphertext } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

/**
 * The clients' identity is encrypted (src/phi): the database checks the ciphertexts' shape and
 * the blind indexes' widths; the plaintext rules the old CHECKs held are checked before
 * encryption, against those same CHECK expressions, in test/phi/client-identity-rules.test.ts.
 */
describe('clients: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let world: TwoTenants;
  const tested = new Set<string>();
  const probe = async (samples: RuleSamples<Client>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, Client, () => makeClient(world.tenantA.id), samples)).toEqual([]);
  };
  const insert = (client: Client) => outcomeOf(() => db.dataSource.manager.insert(Client, client));
  /** Bytes that are not a field ciphertext: plaintext, an empty value, a wrong format byte, too long. */
  const notCiphertexts = [Buffer.from('Grace'), Buffer.alloc(0), Buffer.from([2, 0, 0, 0, 1, 65, 66]), Buffer.from([1, 0, 0, 0, 1]).subarray(0, 5), Buffer.concat([Buffer.from([1]), Buffer.alloc(65_536)])];

  beforeAll(async () => {
    world = await seedTwoTenants(db.dataSource);
  });

  it.each([
    ['chk_clients_first_name_encrypted_envelope', 'firstNameEncrypted'],
    ['chk_clients_last_name_encrypted_envelope', 'lastNameEncrypted'],
    ['chk_clients_date_of_birth_encrypted_envelope', 'dateOfBirthEncrypted'],
    ['chk_clients_medical_record_number_encrypted_envelope', 'medicalRecordNumberEncrypted'],
  ] as const)('%s: only a field ciphertext, never plaintext bytes', (rule, property) =>
    probe({ rule, property, accepted: [fakeCiphertext(), Buffer.from([1, 0, 0, 0, 7, 98])], rejected: notCiphertexts }),
  );

  it('chk_clients_preferred_name_encrypted_envelope: optional; a field ciphertext when present', () =>
    probe({ rule: 'chk_clients_preferred_name_encrypted_envelope', property: 'preferredNameEncrypted', accepted: [null, fakeCiphertext()], rejected: notCiphertexts }));

  it('chk_clients_date_of_birth_bidx_length: 2 bytes (a 12-bit blind index)', () =>
    probe({ rule: 'chk_clients_date_of_birth_bidx_length', property: 'dateOfBirthBidx', accepted: [randomBytes(2)], rejected: [randomBytes(1), randomBytes(3), randomBytes(32)] }));

  it('chk_clients_medical_record_number_bidx_length: 32 bytes (a 256-bit blind index)', () =>
    probe({
      rule: 'chk_clients_medical_record_number_bidx_length',
      property: 'medicalRecordNumberBidx',
      accepted: [randomBytes(32)],
      rejected: [randomBytes(2), randomBytes(31), randomBytes(33)],
    }));

  it('chk_clients_name_search_tokens_count: at most 300 tokens', () =>
    probe({
      rule: 'chk_clients_name_search_tokens_count',
      property: 'nameSearchTokens',
      accepted: [[], [1, 65535], Array.from({ length: 300 }, (_, i) => i)],
      rejected: [Array.from({ length: 301 }, (_, i) => i)],
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
    probe({ rule: 'client_status_enum', property: 'status', accepted: ['referred', 'waitlisted', 'admitted', 'discharged', 'declined'], rejected: ['deceased', ''] }));

  it('uq_clients_tenant_id_medical_record_number_bidx: one live client per record number (blind index) and tenant', async () => {
    tested.add('uq_clients_tenant_id_medical_record_number_bidx');
    const bidx = randomBytes(32);
    const first = await db.dataSource.manager.save(makeClient(world.tenantA.id, { medicalRecordNumberBidx: bidx }));
    expect(await insert(makeClient(world.tenantA.id, { medicalRecordNumberBidx: bidx }))).toContain('uq_clients_tenant_id_medical_record_number_bidx');
    expect(await insert(makeClient(world.tenantB.id, { medicalRecordNumberBidx: bidx }))).toBe('accepted');
    await db.dataSource.getRepository(Client).softDelete({ tenantId: first.tenantId, id: first.id });
    expect(await insert(makeClient(world.tenantA.id, { medicalRecordNumberBidx: bidx }))).toBe('accepted');
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
