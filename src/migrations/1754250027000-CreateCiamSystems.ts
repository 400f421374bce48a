import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `ciam_systems`: each tenant's external identity providers (SuperTokens, Cognito,
 * Entra ID, Auth0, Okta, Google, generic OIDC or SAML). No secret is ever stored here:
 * `client_secret_ref` holds a reference into a secret store (Vault, AWS Secrets Manager,
 * Azure Key Vault, GCP Secret Manager), and its CHECK accepts nothing else, so a pasted
 * secret is rejected. Issuer and JWKS URLs must be https.
 *
 * Locks: new objects only, plus a foreign key to `tenants` (brief SHARE ROW EXCLUSIVE lock;
 * validation is instant on the new, empty table).
 */
export class CreateCiamSystems1754250027000 implements MigrationInterface {
  name = 'CreateCiamSystems1754250027000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regtype('ciam_provider_kind_enum') IS NULL THEN
          CREATE TYPE ciam_provider_kind_enum AS ENUM (
            'supertokens', 'cognito', 'azure_entra', 'auth0', 'okta', 'google', 'oidc', 'saml'
          );
        END IF;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS ciam_systems (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        kind ciam_provider_kind_enum NOT NULL,
        display_name text NOT NULL,
        issuer_url text NOT NULL,
        jwks_url text,
        client_id text,
        client_secret_ref text,
        configuration jsonb NOT NULL DEFAULT '{}',
        is_active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_ciam_systems PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_ciam_systems_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT chk_ciam_systems_display_name_length CHECK (char_length(btrim(display_name)) BETWEEN 1 AND 200),
        CONSTRAINT chk_ciam_systems_issuer_url_format CHECK (
          char_length(issuer_url) <= 2048
          AND issuer_url ~ '^https://[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?([.][A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?(/[!-~]*)?$'
        ),
        CONSTRAINT chk_ciam_systems_jwks_url_format CHECK (
          char_length(jwks_url) <= 2048
          AND jwks_url ~ '^https://[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?([.][A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?(/[!-~]*)?$'
        ),
        CONSTRAINT chk_ciam_systems_client_id_length CHECK (char_length(btrim(client_id)) BETWEEN 1 AND 255),
        CONSTRAINT chk_ciam_systems_client_secret_ref_format CHECK (
          char_length(client_secret_ref) <= 1024
          AND client_secret_ref ~ '^(vault:|arn:aws:secretsmanager:|azure-keyvault:|gcp-secretmanager:)[!-~]+$'
        ),
        CONSTRAINT chk_ciam_systems_configuration_object CHECK (jsonb_typeof(configuration) = 'object')
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_ciam_systems_tenant_id_kind_issuer_url
        ON ciam_systems (tenant_id, kind, issuer_url) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_ciam_systems_configuration ON ciam_systems USING gin (configuration)
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_ciam_systems_set_updated_at
        BEFORE UPDATE ON ciam_systems
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    await queryRunner.query(`COMMENT ON TABLE ciam_systems IS 'External identity providers (CIAM) of each tenant; secrets are referenced in a secret store, never stored.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_systems.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_systems.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_systems.kind IS 'Kind of provider: supertokens, cognito, azure_entra, auth0, okta, google, oidc or saml.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_systems.display_name IS 'Name shown to administrators and on the sign-in page.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_systems.issuer_url IS 'Issuer (iss) URL of the provider, https only; unique per tenant and kind among live rows.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_systems.jwks_url IS 'URL of the provider''s JSON Web Key Set, https only; NULL when discovered from the issuer.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_systems.client_id IS 'Client (application) id registered at the provider.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_systems.client_secret_ref IS 'Reference to the client secret in a secret store (vault:, arn:aws:secretsmanager:, azure-keyvault:, gcp-secretmanager:); never the secret itself.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_systems.configuration IS 'Provider-specific settings as a JSON object (scopes, claim names, SAML metadata URL...), without secrets.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_systems.is_active IS 'Whether users may sign in through this provider.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_systems.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_systems.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_systems.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_ciam_systems_set_updated_at ON ciam_systems`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_ciam_systems_configuration`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_ciam_systems_tenant_id_kind_issuer_url`);
    await queryRunner.query(`DROP TABLE IF EXISTS ciam_systems`);
    await queryRunner.query(`DROP TYPE IF EXISTS ciam_provider_kind_enum`);
  }
}
