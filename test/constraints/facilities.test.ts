import { Facility } from '../../src/entities';
import { makeFacility, unknownId } from '../support/factories';
import { seedTwoTenants, TwoTenants } from '../support/fixtures';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('facilities: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let world: TwoTenants;
  const tested = new Set<string>();
  const probe = async (samples: RuleSamples<Facility>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, Facility, () => makeFacility(world.tenantA.id), samples)).toEqual([]);
  };
  const insert = (facility: Facility) => outcomeOf(() => db.dataSource.manager.insert(Facility, facility));

  beforeAll(async () => {
    world = await seedTwoTenants(db.dataSource);
  });

  it('chk_facilities_name_length: 1 to 200 characters, not blank', () =>
    probe({ rule: 'chk_facilities_name_length', property: 'name', accepted: ['Elm House', 'x'.repeat(200)], rejected: ['', ' ', 'x'.repeat(201)] }));

  it.each([
    ['chk_facilities_licence_number_length', 'licenceNumber', 64],
    ['chk_facilities_address_line1_length', 'addressLine1', 200],
    ['chk_facilities_address_line2_length', 'addressLine2', 200],
    ['chk_facilities_city_length', 'city', 100],
    ['chk_facilities_region_length', 'region', 100],
  ] as const)('%s on %s: optional, 1 to %i characters when present', (rule, property, max) =>
    probe({ rule, property, accepted: [null, 'A', 'x'.repeat(max)], rejected: ['', '   ', 'x'.repeat(max + 1)] }),
  );

  it('chk_facilities_phone_format: E.164', () =>
    probe({
      rule: 'chk_facilities_phone_format',
      property: 'phone',
      accepted: [null, '+15035550100', '+442071838750', '+1234567', '+123456789012345'],
      rejected: ['5035550100', '+0123456789', '+1 503 555 0100', '+123456', '+1234567890123456'],
    }));

  it('chk_facilities_postal_code_format: 2 to 12 letters, digits, spaces or hyphens', () =>
    probe({
      rule: 'chk_facilities_postal_code_format',
      property: 'postalCode',
      accepted: [null, '97201', 'SW1A 1AA', 'K1A-0B1', '12'],
      rejected: ['', '9', ' 97201', '97201#', '1234567890123'],
    }));

  it('chk_facilities_country_code_format: ISO 3166-1 alpha-2 in upper case', () =>
    probe({ rule: 'chk_facilities_country_code_format', property: 'countryCode', accepted: ['US', 'GB'], rejected: ['us', 'USA', 'U', ''] }));

  it('chk_facilities_time_zone_format: the shape of an IANA zone name', () =>
    probe({
      rule: 'chk_facilities_time_zone_format',
      property: 'timeZone',
      accepted: ['UTC', 'America/Chicago', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'],
      rejected: ['', 'America/', '/Chicago', 'America Chicago', `Area/${'x'.repeat(60)}`],
    }));

  it('chk_facilities_capacity_non_negative: zero or more beds', () =>
    probe({ rule: 'chk_facilities_capacity_non_negative', property: 'capacity', accepted: [0, 1, 500], rejected: [-1, -100] }));

  it('facility_kind_enum and facility_status_enum: only the declared values', async () => {
    await probe({ rule: 'facility_kind_enum', property: 'kind', accepted: ['assisted_living', 'skilled_nursing', 'memory_care', 'independent_living', 'group_home', 'hospice', 'other'], rejected: ['hospital'] });
    await probe({ rule: 'facility_status_enum', property: 'status', accepted: ['active', 'inactive', 'closed'], rejected: ['open'] });
  });

  it('uq_facilities_tenant_id_name: one live facility per name and tenant', async () => {
    tested.add('uq_facilities_tenant_id_name');
    const first = await db.dataSource.manager.save(makeFacility(world.tenantA.id, { name: 'Oak Lodge' }));
    expect(await insert(makeFacility(world.tenantA.id, { name: 'Oak Lodge' }))).toContain('uq_facilities_tenant_id_name');
    expect(await insert(makeFacility(world.tenantB.id, { name: 'Oak Lodge' }))).toBe('accepted');
    await db.dataSource.getRepository(Facility).softDelete({ tenantId: first.tenantId, id: first.id });
    expect(await insert(makeFacility(world.tenantA.id, { name: 'Oak Lodge' }))).toBe('accepted');
  });

  it('fk_facilities_tenant_id: the tenant must exist', async () => {
    tested.add('fk_facilities_tenant_id');
    expect(await insert(makeFacility(unknownId()))).toContain('fk_facilities_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    const untested = (await rulesOfTable(db.dataSource, 'facilities')).filter((rule) => !tested.has(rule));
    expect(untested).toEqual([]);
  });
});
