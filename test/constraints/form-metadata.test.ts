import { FormMetadata } from '../../src/entities';
import { makeFormMetadata, makeTenant, unknownId } from '../support/factories';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('form_metadata: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let tenantId: string;
  let otherTenantId: string;
  const tested = new Set<string>();
  const probe = async (samples: RuleSamples<FormMetadata>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, FormMetadata, () => makeFormMetadata(tenantId), samples)).toEqual([]);
  };
  const insert = (row: FormMetadata) => outcomeOf(() => db.dataSource.manager.insert(FormMetadata, row));

  beforeAll(async () => {
    [{ id: tenantId }, { id: otherTenantId }] = await db.dataSource.manager.save([makeTenant(), makeTenant()]);
  });

  it('chk_form_metadata_form_key_format: snake_case, at most 63 characters', () =>
    probe({
      rule: 'chk_form_metadata_form_key_format',
      property: 'formKey',
      accepted: ['placement_intake', 'a', `a${'b'.repeat(62)}`],
      rejected: ['Placement', '1intake', 'intake-form', '', `a${'b'.repeat(63)}`],
    }));

  it('chk_form_metadata_version_positive: from 1', () =>
    probe({ rule: 'chk_form_metadata_version_positive', property: 'version', accepted: [1, 42], rejected: [0, -1] }));

  it('chk_form_metadata_title_length: 1 to 200 characters, not blank', () =>
    probe({ rule: 'chk_form_metadata_title_length', property: 'title', accepted: ['Placement intake', 'x'.repeat(200)], rejected: ['', ' ', 'x'.repeat(201)] }));

  it('chk_form_metadata_fields_array: a JSON array', () =>
    probe({ rule: 'chk_form_metadata_fields_array', property: 'fields', accepted: [[], [{ key: 'x', label: 'X', type: 'text' }]], rejected: [{ key: 'x' }] }));

  it('chk_form_metadata_retired_after_published: retired only once published, and not before', async () => {
    await probe({
      rule: 'chk_form_metadata_retired_after_published',
      property: 'retiredAt',
      with: { publishedAt: new Date('2025-01-01T00:00:00Z') },
      accepted: [null, new Date('2025-01-01T00:00:00Z'), new Date('2025-06-01T00:00:00Z')],
      rejected: [new Date('2024-12-31T23:59:59Z')],
    });
    await probe({
      rule: 'chk_form_metadata_retired_after_published',
      property: 'retiredAt',
      with: { publishedAt: null },
      accepted: [null],
      rejected: [new Date('2025-06-01T00:00:00Z')],
    });
  });

  it('uq_form_metadata_tenant_id_form_key_version: one live row per form and version in a tenant', async () => {
    tested.add('uq_form_metadata_tenant_id_form_key_version');
    const first = await db.dataSource.manager.save(makeFormMetadata(tenantId, { formKey: 'dup_form', version: 2 }));
    expect(await insert(makeFormMetadata(tenantId, { formKey: 'dup_form', version: 2 }))).toContain('uq_form_metadata_tenant_id_form_key_version');
    expect(await insert(makeFormMetadata(tenantId, { formKey: 'dup_form', version: 3 }))).toBe('accepted');
    expect(await insert(makeFormMetadata(otherTenantId, { formKey: 'dup_form', version: 2 }))).toBe('accepted');
    await db.dataSource.getRepository(FormMetadata).softDelete({ tenantId, id: first.id });
    expect(await insert(makeFormMetadata(tenantId, { formKey: 'dup_form', version: 2 }))).toBe('accepted');
  });

  it('fk_form_metadata_tenant_id: the tenant must exist', async () => {
    tested.add('fk_form_metadata_tenant_id');
    expect(await insert(makeFormMetadata(unknownId()))).toContain('fk_form_metadata_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    expect((await rulesOfTable(db.dataSource, 'form_metadata')).filter((rule) => !tested.has(rule))).toEqual([]);
  });
});
