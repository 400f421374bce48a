import { randomBytes } from 'node:crypto';
import { PhiDataKey } from '../../src/entities';
import { makePhiDataKey, makeTenant, unknownId } from '../support/factories';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('phi_data_keys: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let tenantId: string;
  let nextVersion = 100;
  const tested = new Set<string>();
  // Retired keys, so that probes never collide with the one active key per tenant.
  const valid = () => makePhiDataKey(tenantId, { keyVersion: nextVersion++, state: 'retired' });
  const probe = async (samples: RuleSamples<PhiDataKey>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, PhiDataKey, valid, samples)).toEqual([]);
  };
  const insert = (row: PhiDataKey) => outcomeOf(() => db.dataSource.manager.insert(PhiDataKey, row));

  beforeAll(async () => {
    tenantId = (await db.dataSource.manager.save(makeTenant())).id;
  });

  it('phi_key_state_enum: only the declared states', () =>
    probe({ rule: 'phi_key_state_enum', property: 'state', accepted: ['retiring', 'retired'], rejected: ['lost'] }));

  it('chk_phi_data_keys_key_version_positive: from 1', () =>
    probe({ rule: 'chk_phi_data_keys_key_version_positive', property: 'keyVersion', accepted: [1_000_001], rejected: [0, -3] }));

  it('chk_phi_data_keys_kek_id_length: 1 to 2048 characters', () =>
    probe({ rule: 'chk_phi_data_keys_kek_id_length', property: 'kekId', accepted: ['local:x', 'k'.repeat(2048)], rejected: ['', 'k'.repeat(2049)] }));

  it('chk_phi_data_keys_wrapped_key_length: 16 to 8192 bytes', () =>
    probe({ rule: 'chk_phi_data_keys_wrapped_key_length', property: 'wrappedKey', accepted: [randomBytes(16), randomBytes(8192)], rejected: [randomBytes(15), randomBytes(8193)] }));

  it('chk_phi_data_keys_destroyed_without_key: a destroyed key has no wrapped copy, and only a destroyed one', async () => {
    await probe({ rule: 'chk_phi_data_keys_destroyed_without_key', property: 'wrappedKey', with: { state: 'destroyed' }, accepted: [null], rejected: [randomBytes(64)] });
    await probe({ rule: 'chk_phi_data_keys_destroyed_without_key', property: 'wrappedKey', with: { state: 'retired' }, accepted: [randomBytes(64)], rejected: [null] });
  });

  it('uq_phi_data_keys_one_active_per_tenant: one active key per tenant', async () => {
    tested.add('uq_phi_data_keys_one_active_per_tenant');
    const other = (await db.dataSource.manager.save(makeTenant())).id;
    expect(await insert(makePhiDataKey(tenantId, { keyVersion: 1, state: 'active' }))).toBe('accepted');
    expect(await insert(makePhiDataKey(tenantId, { keyVersion: 2, state: 'active' }))).toContain('uq_phi_data_keys_one_active_per_tenant');
    expect(await insert(makePhiDataKey(other, { keyVersion: 1, state: 'active' }))).toBe('accepted');
  });

  it('fk_phi_data_keys_subject_tenant_id: the tenant must exist; a tenant with keys cannot be deleted', async () => {
    tested.add('fk_phi_data_keys_subject_tenant_id');
    expect(await insert(makePhiDataKey(unknownId()))).toContain('fk_phi_data_keys_subject_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    expect((await rulesOfTable(db.dataSource, 'phi_data_keys')).filter((rule) => !tested.has(rule))).toEqual([]);
  });
});
