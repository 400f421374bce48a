import { Tenant } from '../../src/entities';
import { makeTenant } from '../support/factories';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('tenants: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  const tested = new Set<string>();
  const probe = async (samples: RuleSamples<Tenant>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, Tenant, () => makeTenant(), samples)).toEqual([]);
  };

  it('chk_tenants_name_length: 1 to 200 characters, not blank', () =>
    probe({
      rule: 'chk_tenants_name_length',
      property: 'name',
      accepted: ['A', 'x'.repeat(200), '  Padded  ', `${'x'.repeat(199)}🏥`],
      rejected: ['', '   ', 'x'.repeat(201)],
    }));

  it('chk_tenants_slug_format: lower-case words joined by single hyphens, at most 63', () =>
    probe({
      rule: 'chk_tenants_slug_format',
      property: 'slug',
      accepted: ['acme', 'acme-care-2', '7', 'a'.repeat(63)],
      rejected: ['', 'Acme', 'acme_care', '-acme', 'acme-', 'acme--care', 'acme care', 'a'.repeat(64)],
    }));

  it('chk_tenants_settings_object: settings is a JSON object', () =>
    probe({
      rule: 'chk_tenants_settings_object',
      property: 'settings',
      accepted: [{}, { locale: 'en-US', features: ['search'] }],
      rejected: [[], 'text', 42],
    }));

  it('tenant_status_enum: only the declared statuses', () =>
    probe({ rule: 'tenant_status_enum', property: 'status', accepted: ['active', 'suspended', 'archived'], rejected: ['deleted', 'ACTIVE'] }));

  it('uq_tenants_slug: a slug is unique among live tenants only', async () => {
    tested.add('uq_tenants_slug');
    const first = await db.dataSource.manager.save(makeTenant({ slug: 'taken-slug' }));
    expect(await outcomeOf(() => db.dataSource.manager.insert(Tenant, makeTenant({ slug: 'taken-slug' })))).toContain(
      'uq_tenants_slug',
    );
    await db.dataSource.getRepository(Tenant).softDelete(first.id);
    expect(await outcomeOf(() => db.dataSource.manager.insert(Tenant, makeTenant({ slug: 'taken-slug' })))).toBe('accepted');
  });

  it('updated_at is kept by the trigger, even for writes that bypass TypeORM', async () => {
    const tenant = await db.dataSource.manager.save(makeTenant());
    await db.dataSource.query(`UPDATE tenants SET name = 'Renamed', updated_at = '2000-01-01' WHERE id = $1`, [tenant.id]);
    const [row] = await db.dataSource.query(`SELECT updated_at FROM tenants WHERE id = $1`, [tenant.id]);
    expect(row.updated_at.getTime()).toBeGreaterThan(tenant.updatedAt.getTime() - 1);
    expect(row.updated_at.getFullYear()).toBeGreaterThan(2000);
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    const untested = (await rulesOfTable(db.dataSource, 'tenants')).filter((rule) => !tested.has(rule));
    expect(untested).toEqual([]);
  });
});
