import { IsBoolean, IsIn, IsObject, IsOptional, Matches, MaxLength } from 'class-validator';
import { Check, Column, Entity, Index } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { CIAM_PROVIDER_KINDS } from './enums';
import type { CiamProviderKind } from './enums';
import type { JsonObject } from './json';
import { HasTrimmedLength } from './validation/text-rules';
import {
  HTTPS_URL_PATTERN,
  SECRET_REF_MAX_LENGTH,
  SECRET_REF_PATTERN,
  URL_MAX_LENGTH,
} from './validation/patterns';

const HTTPS_URL_SQL = `'^https://[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?([.][A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?(/[!-~]*)?$'`;

/** Mirrors migration CreateCiamSystems1754250027000. */
@Entity({
  name: 'ciam_systems',
  comment: 'External identity providers (CIAM) of each tenant; secrets are referenced in a secret store, never stored.',
})
@Check('chk_ciam_systems_display_name_length', `char_length(btrim(display_name)) BETWEEN 1 AND 200`)
@Check('chk_ciam_systems_issuer_url_format', `char_length(issuer_url) <= 2048 AND issuer_url ~ ${HTTPS_URL_SQL}`)
@Check('chk_ciam_systems_jwks_url_format', `char_length(jwks_url) <= 2048 AND jwks_url ~ ${HTTPS_URL_SQL}`)
@Check('chk_ciam_systems_client_id_length', `char_length(btrim(client_id)) BETWEEN 1 AND 255`)
@Check(
  'chk_ciam_systems_client_secret_ref_format',
  `char_length(client_secret_ref) <= 1024 AND client_secret_ref ~ '^(vault:|arn:aws:secretsmanager:|azure-keyvault:|gcp-secretmanager:)[!-~]+$'`,
)
@Check('chk_ciam_systems_configuration_object', `jsonb_typeof(configuration) = 'object'`)
@Index('uq_ciam_systems_tenant_id_kind_issuer_url', ['tenantId', 'kind', 'issuerUrl'], {
  unique: true,
  where: 'deleted_at IS NULL',
})
@Index('ix_ciam_systems_configuration', ['configuration'], { type: 'gin' })
export class CiamSystem extends TenantScopedEntity {
  @Column({
    type: 'enum',
    enum: CIAM_PROVIDER_KINDS,
    enumName: 'ciam_provider_kind_enum',
    comment: 'Kind of provider: supertokens, cognito, azure_entra, auth0, okta, google, oidc or saml.',
  })
  @IsIn(CIAM_PROVIDER_KINDS)
  kind: CiamProviderKind;

  @Column('text', { name: 'display_name', comment: 'Name shown to administrators and on the sign-in page.' })
  @HasTrimmedLength(1, 200)
  displayName: string;

  @Column('text', {
    name: 'issuer_url',
    comment: 'Issuer (iss) URL of the provider, https only; unique per tenant and kind among live rows.',
  })
  @Matches(HTTPS_URL_PATTERN, { message: 'issuerUrl must be an https URL such as https://login.example.org/tenant' })
  @MaxLength(URL_MAX_LENGTH)
  issuerUrl: string;

  @Column('text', {
    name: 'jwks_url',
    nullable: true,
    comment: "URL of the provider's JSON Web Key Set, https only; NULL when discovered from the issuer.",
  })
  @IsOptional()
  @Matches(HTTPS_URL_PATTERN, { message: 'jwksUrl must be an https URL' })
  @MaxLength(URL_MAX_LENGTH)
  jwksUrl: string | null;

  @Column('text', { name: 'client_id', nullable: true, comment: 'Client (application) id registered at the provider.' })
  @IsOptional()
  @HasTrimmedLength(1, 255)
  clientId: string | null;

  @Column('text', {
    name: 'client_secret_ref',
    nullable: true,
    comment:
      'Reference to the client secret in a secret store (vault:, arn:aws:secretsmanager:, azure-keyvault:, gcp-secretmanager:); never the secret itself.',
  })
  @IsOptional()
  @Matches(SECRET_REF_PATTERN, {
    message: 'clientSecretRef must reference a secret store (vault:, arn:aws:secretsmanager:, azure-keyvault:, gcp-secretmanager:)',
  })
  @MaxLength(SECRET_REF_MAX_LENGTH)
  clientSecretRef: string | null;

  @Column('jsonb', {
    default: {},
    comment: 'Provider-specific settings as a JSON object (scopes, claim names, SAML metadata URL...), without secrets.',
  })
  @IsObject()
  configuration: JsonObject;

  @Column('boolean', { name: 'is_active', default: true, comment: 'Whether users may sign in through this provider.' })
  @IsBoolean()
  isActive: boolean;
}
