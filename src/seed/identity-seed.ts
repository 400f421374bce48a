import { seedId } from './seed-id';
import { SeedTenant } from './seed-tenants';
import { SeedWriter } from './seed-writer';

/**
 * Identity providers (CIAM systems), the link of each seeded user to a provider subject, and
 * group-claim → role mappings.
 */
export async function seedIdentity(writer: SeedWriter, tenant: SeedTenant, roles: readonly string[]): Promise<void> {
  const id = (key: string) => seedId(`${tenant.slug}:${key}`);
  const system = id('ciam:oidc');
  await writer.insert('ciam_systems', [{
    tenant_id: tenant.id,
    id: system,
    kind: 'oidc',
    display_name: `${tenant.name} sign-in`,
    issuer_url: `https://login.${tenant.slug}.example.org`,
    jwks_url: `https://login.${tenant.slug}.example.org/.well-known/jwks.json`,
    client_id: `foundation-${tenant.slug}`,
    client_secret_ref: `vault:secret/foundation/${tenant.slug}/oidc`,
  }]);
  await writer.insert('user_ciam_mappings', roles.map((role) => ({
    tenant_id: tenant.id,
    id: id(`ciam-mapping:${role}`),
    user_id: id(`user:${role}`),
    ciam_system_id: system,
    external_subject: `oidc|${tenant.slug}|${role}`,
    linked_at: '2025-01-02T09:00:00Z',
  })));
  await writer.insert('ciam_group_role_mappings', roles.filter((role) => role !== 'platform_admin').map((role) => ({
    tenant_id: tenant.id,
    id: id(`ciam-group:${role}`),
    ciam_system_id: system,
    claim_name: 'groups',
    claim_value: `foundation-${role.replace(/_/g, '-')}`,
    role,
  })));
}
