import { CiamSystem } from '../../src/entities';
import { makeCiamSystem, makeTenant, unknownId } from '../support/factories';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

describe('ciam_systems: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let tenantId: string;
  const tested = new Set<string>();
  const probe = async (samples: RuleSamples<CiamSystem>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, CiamSystem, () => makeCiamSystem(tenantId), samples)).toEqual([]);
  };
  const insert = (system: CiamSystem) => outcomeOf(() => db.dataSource.manager.insert(CiamSystem, system));

  beforeAll(async () => {
    tenantId = (await db.dataSource.manager.save(makeTenant())).id;
  });

  it('ciam_provider_kind_enum: an unknown provider kind is rejected, naming the enum', () =>
    probe({
      rule: 'ciam_provider_kind_enum',
      property: 'kind',
      accepted: ['supertokens', 'cognito', 'azure_entra', 'auth0', 'okta', 'google', 'oidc', 'saml'],
      rejected: ['keycloak', 'OIDC', ''],
    }));

  it('chk_ciam_systems_issuer_url_format: an https URL, at most 2048 characters', () =>
    probe({
      rule: 'chk_ciam_systems_issuer_url_format',
      property: 'issuerUrl',
      accepted: [
        'https://login.example.org',
        'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123',
        'https://login.microsoftonline.com/0b1c2d3e-0000-4000-8000-000000000000/v2.0',
        'https://auth.example.org:8443/realms/care?x=1',
        `https://a.example.org/${'x'.repeat(2048 - 'https://a.example.org/'.length)}`,
      ],
      rejected: [
        'http://login.example.org',
        'login.example.org',
        'https://',
        'https://-bad.example.org',
        'https://login.example.org/with space',
        'https://login..example.org',
        'ftp://login.example.org',
        'javascript:alert(1)',
        `https://a.example.org/${'x'.repeat(2049 - 'https://a.example.org/'.length)}`,
      ],
    }));

  it('chk_ciam_systems_jwks_url_format: an https URL or nothing', () =>
    probe({
      rule: 'chk_ciam_systems_jwks_url_format',
      property: 'jwksUrl',
      accepted: [null, 'https://login.example.org/.well-known/jwks.json'],
      rejected: ['http://login.example.org/.well-known/jwks.json', 'not a url'],
    }));

  it('chk_ciam_systems_display_name_length: 1 to 200 characters, not blank', () =>
    probe({
      rule: 'chk_ciam_systems_display_name_length',
      property: 'displayName',
      accepted: ['Okta', 'x'.repeat(200)],
      rejected: ['', '   ', 'x'.repeat(201)],
    }));

  it('chk_ciam_systems_client_id_length: 1 to 255 characters, not blank, or nothing', () =>
    probe({
      rule: 'chk_ciam_systems_client_id_length',
      property: 'clientId',
      accepted: [null, '0oa1b2c3d4', 'x'.repeat(255)],
      rejected: ['', '  ', 'x'.repeat(256)],
    }));

  it('chk_ciam_systems_client_secret_ref_format: a secret-store reference, never a secret', () =>
    probe({
      rule: 'chk_ciam_systems_client_secret_ref_format',
      property: 'clientSecretRef',
      accepted: [
        null,
        'vault:secret/data/ciam/okta#client_secret',
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:ciam/cognito-AbCdEf',
        'azure-keyvault:https://care.vault.azure.net/secrets/entra-client',
        'gcp-secretmanager:projects/care/secrets/google-client/versions/3',
      ],
      rejected: ['s3cr3t-Value-pasted-by-mistake', 'vault:', 'vault:with space', 'VAULT:secret/x', `vault:${'x'.repeat(1019)}`],
    }));

  it('chk_ciam_systems_configuration_object: configuration is a JSON object', () =>
    probe({
      rule: 'chk_ciam_systems_configuration_object',
      property: 'configuration',
      accepted: [{}, { scopes: ['openid', 'email'], groupsClaim: 'groups' }],
      rejected: [[], 'text', 7],
    }));

  it('uq_ciam_systems_tenant_id_kind_issuer_url: one live provider per tenant, kind and issuer', async () => {
    tested.add('uq_ciam_systems_tenant_id_kind_issuer_url');
    const issuerUrl = 'https://tenant.okta.example.org';
    const first = await db.dataSource.manager.save(makeCiamSystem(tenantId, { kind: 'okta', issuerUrl }));
    expect(await insert(makeCiamSystem(tenantId, { kind: 'okta', issuerUrl }))).toContain(
      'uq_ciam_systems_tenant_id_kind_issuer_url',
    );
    // Another kind with the same issuer is a separate provider; so is a soft-deleted one's successor.
    expect(await insert(makeCiamSystem(tenantId, { kind: 'oidc', issuerUrl }))).toBe('accepted');
    await db.dataSource.getRepository(CiamSystem).softDelete({ tenantId, id: first.id });
    expect(await insert(makeCiamSystem(tenantId, { kind: 'okta', issuerUrl }))).toBe('accepted');
    // The same issuer in another tenant is a separate provider too, but only the platform path may
    // register it there (GuardSharedCiamIssuers1754250083000); the tenant's own insert is refused.
    const otherTenant = await db.dataSource.manager.save(makeTenant());
    expect(await insert(makeCiamSystem(otherTenant.id, { kind: 'okta', issuerUrl }))).toContain('already registered by another tenant');
    const [{ id }] = await db.dataSource.query(`SELECT platform_register_shared_ciam_system($1, 'okta', 'Shared IdP', $2) AS id`, [
      otherTenant.id,
      issuerUrl,
    ]);
    expect(await db.dataSource.getRepository(CiamSystem).countBy({ tenantId: otherTenant.id, id })).toBe(1);
  });

  it('fk_ciam_systems_tenant_id: the tenant must exist', async () => {
    tested.add('fk_ciam_systems_tenant_id');
    expect(await insert(makeCiamSystem(unknownId()))).toContain('fk_ciam_systems_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    const untested = (await rulesOfTable(db.dataSource, 'ciam_systems')).filter((rule) => !tested.has(rule));
    expect(untested).toEqual([]);
  });
});
