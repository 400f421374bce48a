import { Address } from '../../src/entities';
import { makeAddress, unknownId } from '../support/factories';
import { seedClinicalWorld } from '../support/fixtures';
import { withForeignKeysDisabled } from '../support/foreign-keys';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { fakeCiphertext } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

describe('addresses: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let world: Awaited<ReturnType<typeof seedClinicalWorld>>;
  const tested = new Set<string>();
  const valid = () => makeAddress(world.tenantA.id, { clientId: world.a.client.id });
  const probe = async (samples: RuleSamples<Address>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, Address, valid, samples)).toEqual([]);
  };
  const insert = (row: Address) => outcomeOf(() => db.dataSource.manager.insert(Address, row));
  const notCiphertexts = [Buffer.from('12 Elm Street'), Buffer.alloc(0), Buffer.from([2, 0, 0, 0, 1, 1, 1])];

  beforeAll(async () => {
    world = await seedClinicalWorld(db.dataSource);
  });

  it('address_kind_enum: only the declared kinds', () =>
    probe({ rule: 'address_kind_enum', property: 'kind', accepted: ['home', 'mailing', 'billing', 'work', 'previous', 'other'], rejected: ['holiday'] }));

  it('chk_addresses_one_owner: exactly one of facility, client and specialist', async () => {
    const { facilityA, a } = world;
    // No owner, or a second owner next to the client.
    await probe({ rule: 'chk_addresses_one_owner', property: 'clientId', accepted: [a.client.id], rejected: [null] });
    await probe({ rule: 'chk_addresses_one_owner', property: 'facilityId', accepted: [null], rejected: [facilityA.id] });
    await probe({ rule: 'chk_addresses_one_owner', property: 'specialistId', accepted: [null], rejected: [a.specialist.id] });
    // Each owner kind alone is fine.
    await probe({ rule: 'chk_addresses_one_owner', property: 'facilityId', with: { clientId: null }, accepted: [facilityA.id], rejected: [null] });
    await probe({ rule: 'chk_addresses_one_owner', property: 'specialistId', with: { clientId: null }, accepted: [a.specialist.id], rejected: [null] });
  });

  it('chk_addresses_region_length: optional, 1 to 100 characters', () =>
    probe({ rule: 'chk_addresses_region_length', property: 'region', accepted: [null, 'IL', 'x'.repeat(100)], rejected: ['', ' ', 'x'.repeat(101)] }));

  it('chk_addresses_country_code_format: two upper-case letters', () =>
    probe({ rule: 'chk_addresses_country_code_format', property: 'countryCode', accepted: ['US', 'CA'], rejected: ['us', 'USA', 'U', ''] }));

  it('chk_addresses_valid_to_after_valid_from: not before valid_from', async () => {
    await probe({
      rule: 'chk_addresses_valid_to_after_valid_from',
      property: 'validTo',
      with: { validFrom: '2024-01-01' },
      accepted: [null, '2024-01-01', '2025-01-01'],
      rejected: ['2023-12-31'],
    });
    await probe({ rule: 'chk_addresses_valid_to_after_valid_from', property: 'validTo', with: { validFrom: null }, accepted: ['2020-01-01'], rejected: [] });
  });

  it.each([
    ['chk_addresses_line1_encrypted_envelope', 'line1Encrypted', false],
    ['chk_addresses_city_encrypted_envelope', 'cityEncrypted', false],
    ['chk_addresses_line2_encrypted_envelope', 'line2Encrypted', true],
    ['chk_addresses_postal_code_encrypted_envelope', 'postalCodeEncrypted', true],
  ] as const)('%s: a field ciphertext, never plaintext bytes', (rule, property, optional) =>
    probe({ rule, property, accepted: optional ? [null, fakeCiphertext()] : [fakeCiphertext()], rejected: notCiphertexts }),
  );

  it('uq_addresses_primary_per_*: one live primary address per owner', async () => {
    const { tenantA, facilityA, a } = world;
    for (const [column, owner] of [
      ['facility_id', { facilityId: facilityA.id }],
      ['client_id', { clientId: a.client.id }],
      ['specialist_id', { specialistId: a.specialist.id }],
    ] as const) {
      const rule = `uq_addresses_primary_per_${column}`;
      tested.add(rule);
      const primary = await db.dataSource.manager.save(makeAddress(tenantA.id, owner, { isPrimary: true }));
      expect(await insert(makeAddress(tenantA.id, owner, { isPrimary: true }))).toContain(rule);
      expect(await insert(makeAddress(tenantA.id, owner, { isPrimary: false, kind: 'mailing' }))).toBe('accepted');
      await db.dataSource.getRepository(Address).softDelete({ tenantId: tenantA.id, id: primary.id });
      expect(await insert(makeAddress(tenantA.id, owner, { isPrimary: true }))).toBe('accepted');
    }
  });

  it("fk_addresses_facility_id, _client_id, _specialist_id: the owner exists and is of the row's own tenant", async () => {
    const { tenantA, facilityA, facilityB, a, b } = world;
    for (const [rule, own, other] of [
      ['fk_addresses_facility_id', { facilityId: facilityA.id }, { facilityId: facilityB.id }],
      ['fk_addresses_client_id', { clientId: a.client.id }, { clientId: b.client.id }],
      ['fk_addresses_specialist_id', { specialistId: a.specialist.id }, { specialistId: b.specialist.id }],
    ] as const) {
      tested.add(rule);
      expect(await insert(makeAddress(tenantA.id, own))).toBe('accepted');
      expect(await insert(makeAddress(tenantA.id, other))).toContain(rule);
      const unknown = Object.fromEntries(Object.keys(own).map((key) => [key, unknownId()]));
      expect(await insert(makeAddress(tenantA.id, unknown))).toContain(rule);
    }
    // An owner with addresses cannot be hard-deleted.
    const remove = () => db.dataSource.query(`DELETE FROM facilities WHERE tenant_id = $1 AND id = $2`, [tenantA.id, facilityA.id]);
    expect(await outcomeOf(remove)).toContain('fk_addresses_facility_id');
  });

  it('fk_addresses_tenant_id: the tenant must exist, even on its own', async () => {
    tested.add('fk_addresses_tenant_id');
    const outcome = await withForeignKeysDisabled(db.dataSource, 'addresses', ['fk_addresses_client_id'], (runner) =>
      outcomeOf(() => runner.manager.insert(Address, makeAddress(unknownId(), { clientId: world.a.client.id }))),
    );
    expect(outcome).toContain('fk_addresses_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    expect((await rulesOfTable(db.dataSource, 'addresses')).filter((rule) => !tested.has(rule))).toEqual([]);
  });
});
