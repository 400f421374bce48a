import { User } from '../../src/entities';
import { makeUser, unknownId } from '../support/factories';
import { seedTwoTenants, TwoTenants } from '../support/fixtures';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('users: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let world: TwoTenants;
  const tested = new Set<string>();
  const probe = async (samples: RuleSamples<User>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, User, () => makeUser(world.tenantA.id), samples)).toEqual([]);
  };
  const insert = (user: User) => outcomeOf(() => db.dataSource.manager.insert(User, user));

  beforeAll(async () => {
    world = await seedTwoTenants(db.dataSource);
  });

  it('chk_users_email_format: an address with a dotted domain, at most 254 characters', () =>
    probe({
      rule: 'chk_users_email_format',
      property: 'email',
      accepted: ['a@b.co', 'First.Last+tag@mail.example.org', 'ANN_O%Neil@EXAMPLE.ORG', `${'x'.repeat(248)}@b.org`],
      rejected: ['plain', 'a@b', 'a@b.c', '@b.co', 'a b@c.co', 'a@@b.co', `${'x'.repeat(249)}@b.org`],
    }));

  it.each([
    ['chk_users_first_name_length', 'firstName', 100],
    ['chk_users_last_name_length', 'lastName', 100],
  ] as const)('%s on %s: 1 to %i characters, not blank', (rule, property, max) =>
    probe({ rule, property, accepted: ['A', 'x'.repeat(max), ' Ann '], rejected: ['', '  ', 'x'.repeat(max + 1)] }),
  );

  it('chk_users_display_name_length: optional, 1 to 200 characters when present', () =>
    probe({
      rule: 'chk_users_display_name_length',
      property: 'displayName',
      accepted: [null, 'Dr. Ada', 'x'.repeat(200)],
      rejected: ['', ' ', 'x'.repeat(201)],
    }));

  it('user_role_enum and user_status_enum: only the declared values', async () => {
    await probe({ rule: 'user_role_enum', property: 'role', accepted: ['platform_admin', 'tenant_admin', 'facility_manager', 'staff', 'viewer'], rejected: ['admin', 'root'] });
    await probe({ rule: 'user_status_enum', property: 'status', accepted: ['invited', 'active', 'suspended', 'deactivated'], rejected: ['deleted'] });
  });

  it('uq_users_tenant_id_email: one live user per e-mail and tenant, compared case-insensitively', async () => {
    tested.add('uq_users_tenant_id_email');
    const first = await db.dataSource.manager.save(makeUser(world.tenantA.id, { email: 'same@example.org' }));
    expect(await insert(makeUser(world.tenantA.id, { email: 'SAME@Example.org' }))).toContain('uq_users_tenant_id_email');
    expect(await insert(makeUser(world.tenantB.id, { email: 'same@example.org' }))).toBe('accepted');
    await db.dataSource.getRepository(User).softDelete({ tenantId: first.tenantId, id: first.id });
    expect(await insert(makeUser(world.tenantA.id, { email: 'same@example.org' }))).toBe('accepted');
  });

  it('fk_users_tenant_id: the tenant must exist', async () => {
    tested.add('fk_users_tenant_id');
    expect(await insert(makeUser(unknownId()))).toContain('fk_users_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    const untested = (await rulesOfTable(db.dataSource, 'users')).filter((rule) => !tested.has(rule));
    expect(untested).toEqual([]);
  });
});
