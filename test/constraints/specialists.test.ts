import { Specialist } from '../../src/entities';
import { makeSpecialist, makeTenant, unknownId } from '../support/factories';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('specialists: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let tenantId: string;
  let otherTenantId: string;
  const tested = new Set<string>();
  const probe = async (samples: RuleSamples<Specialist>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, Specialist, () => makeSpecialist(tenantId), samples)).toEqual([]);
  };
  const insert = (row: Specialist) => outcomeOf(() => db.dataSource.manager.insert(Specialist, row));

  beforeAll(async () => {
    [{ id: tenantId }, { id: otherTenantId }] = await db.dataSource.manager.save([makeTenant(), makeTenant()]);
  });

  it('chk_specialists_full_name_length: 1 to 200 characters, not blank', () =>
    probe({ rule: 'chk_specialists_full_name_length', property: 'fullName', accepted: ['Dr. Ana Ruiz', 'x'.repeat(200)], rejected: ['', '  ', 'x'.repeat(201)] }));

  it('chk_specialists_specialty_length: 1 to 100 characters, not blank', () =>
    probe({ rule: 'chk_specialists_specialty_length', property: 'specialty', accepted: ['geriatrics', 'x'.repeat(100)], rejected: ['', ' ', 'x'.repeat(101)] }));

  it('chk_specialists_organisation_length: optional, 1 to 200 characters', () =>
    probe({ rule: 'chk_specialists_organisation_length', property: 'organisation', accepted: [null, 'Springfield Clinic'], rejected: ['', 'x'.repeat(201)] }));

  it('chk_specialists_npi_format: optional, exactly 10 digits', () =>
    probe({ rule: 'chk_specialists_npi_format', property: 'npi', accepted: [null, '1234567893'], rejected: ['123456789', '12345678901', '123456789X', ''] }));

  it('chk_specialists_phone_format: optional, E.164', () =>
    probe({ rule: 'chk_specialists_phone_format', property: 'phone', accepted: [null, '+15035550100'], rejected: ['5035550100', '+0123456', ''] }));

  it('chk_specialists_email_format: optional, an e-mail address of at most 254 characters', () =>
    probe({
      rule: 'chk_specialists_email_format',
      property: 'email',
      accepted: [null, 'ana.ruiz@clinic.example.org'],
      rejected: ['ana', 'ana@clinic', `${'a'.repeat(250)}@x.org`],
    }));

  it('uq_specialists_tenant_id_npi: an NPI once among the tenant\'s live specialists', async () => {
    tested.add('uq_specialists_tenant_id_npi');
    const first = await db.dataSource.manager.save(makeSpecialist(tenantId, { npi: '1000000001' }));
    expect(await insert(makeSpecialist(tenantId, { npi: '1000000001' }))).toContain('uq_specialists_tenant_id_npi');
    expect(await insert(makeSpecialist(otherTenantId, { npi: '1000000001' }))).toBe('accepted');
    expect(await insert(makeSpecialist(tenantId, { npi: null }))).toBe('accepted');
    expect(await insert(makeSpecialist(tenantId, { npi: null }))).toBe('accepted');
    await db.dataSource.getRepository(Specialist).softDelete({ tenantId, id: first.id });
    expect(await insert(makeSpecialist(tenantId, { npi: '1000000001' }))).toBe('accepted');
  });

  it('fk_specialists_tenant_id: the tenant must exist', async () => {
    tested.add('fk_specialists_tenant_id');
    expect(await insert(makeSpecialist(unknownId()))).toContain('fk_specialists_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    expect((await rulesOfTable(db.dataSource, 'specialists')).filter((rule) => !tested.has(rule))).toEqual([]);
  });
});
