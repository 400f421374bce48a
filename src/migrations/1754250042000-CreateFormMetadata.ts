import { MigrationInterface, QueryRunner } from 'typeorm';
import { disableTenantIsolationV1, enableTenantIsolationV1 } from './support/tenant-table-v1';

const APP_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

/**
 * Creates `form_metadata`: the forms (and their versions) a tenant captures records with, such
 * as the placement intake form, version 3. A placement record names the form version that
 * captured it, and field contributions name the form version whose field they filled. `fields`
 * describes the form's fields (a JSON array); it holds no client data. A form version is
 * published, then possibly retired (never before it was published); one live row per tenant,
 * form key and version.
 *
 * Locks: new objects only, plus the foreign key to `tenants` (a brief SHARE ROW EXCLUSIVE lock;
 * validation is instant on the new, empty table).
 */
export class CreateFormMetadata1754250042000 implements MigrationInterface {
  name = 'CreateFormMetadata1754250042000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS form_metadata (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        form_key text NOT NULL,
        -- squawk-ignore prefer-bigint-over-int -- a form's version number, counted by hand, not an identifier
        version integer NOT NULL,
        title text NOT NULL,
        fields jsonb NOT NULL DEFAULT '[]',
        published_at timestamptz,
        retired_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_form_metadata PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_form_metadata_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT chk_form_metadata_form_key_format CHECK (form_key ~ '^[a-z][a-z0-9_]{0,62}$'),
        CONSTRAINT chk_form_metadata_version_positive CHECK (version >= 1),
        CONSTRAINT chk_form_metadata_title_length CHECK (char_length(btrim(title)) BETWEEN 1 AND 200),
        CONSTRAINT chk_form_metadata_fields_array CHECK (jsonb_typeof(fields) = 'array'),
        CONSTRAINT chk_form_metadata_retired_after_published CHECK (
          retired_at IS NULL OR (published_at IS NOT NULL AND retired_at >= published_at)
        )
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_form_metadata_tenant_id_form_key_version
        ON form_metadata (tenant_id, form_key, version) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_form_metadata_set_updated_at
        BEFORE UPDATE ON form_metadata
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    for (const sql of enableTenantIsolationV1('form_metadata', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`COMMENT ON TABLE form_metadata IS 'Forms and form versions that capture records (which form and version captured a placement record or a field); no client data.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_metadata.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_metadata.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_metadata.form_key IS 'Stable name of the form, such as placement_intake: lower-case letters, digits and underscores.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_metadata.version IS 'Version of the form, from 1; one live row per tenant, form key and version.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_metadata.title IS 'Title shown to staff.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_metadata.fields IS 'The form''s field definitions (key, label, type) as a JSON array; never values.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_metadata.published_at IS 'When the version was published for use; NULL while a draft.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_metadata.retired_at IS 'When the version stopped being offered; not before it was published.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_metadata.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_metadata.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_metadata.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of disableTenantIsolationV1('form_metadata', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_form_metadata_set_updated_at ON form_metadata`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_form_metadata_tenant_id_form_key_version`);
    await queryRunner.query(`DROP TABLE IF EXISTS form_metadata`);
  }
}
