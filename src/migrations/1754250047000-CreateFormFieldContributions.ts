import { MigrationInterface, QueryRunner } from 'typeorm';
import { disableTenantIsolationV1, enableTenantIsolationV1 } from './support/tenant-table-v1';

const APP_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

/**
 * Creates `form_field_contributions`: provenance of a placement record's fields, field by
 * field: which field (`field_key`, such as `diagnoses`) of which record, captured on which form
 * version, from which source (staff entry, an interview with the client, a family member, a
 * referral document, a specialist's report, an import), and when. Who contributed it is in
 * `form_field_contributors` (several people may contribute to one value). A newer contribution
 * to the same field supersedes the current one (`superseded_at`), which stays as history; at
 * most one current live contribution per record and field. No field value is stored here, so
 * the table holds no PHI.
 *
 * Locks: new objects only, plus foreign keys to `tenants`, `placement_records` and
 * `form_metadata` (brief SHARE ROW EXCLUSIVE locks; validation is instant on the new, empty
 * table).
 */
export class CreateFormFieldContributions1754250047000 implements MigrationInterface {
  name = 'CreateFormFieldContributions1754250047000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regtype('contribution_source_enum') IS NULL THEN
          CREATE TYPE contribution_source_enum AS ENUM (
            'staff_entry', 'client_interview', 'family_member', 'referral_document', 'specialist_report', 'import', 'other'
          );
        END IF;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS form_field_contributions (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        placement_record_id uuid NOT NULL,
        form_metadata_id uuid,
        field_key text NOT NULL,
        source contribution_source_enum NOT NULL,
        contributed_at timestamptz NOT NULL DEFAULT now(),
        superseded_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_form_field_contributions PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_form_field_contributions_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT fk_form_field_contributions_placement_record_id FOREIGN KEY (tenant_id, placement_record_id)
          REFERENCES placement_records (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT fk_form_field_contributions_form_metadata_id FOREIGN KEY (tenant_id, form_metadata_id)
          REFERENCES form_metadata (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT chk_form_field_contributions_field_key_format CHECK (field_key ~ '^[a-z][a-z0-9_]{0,62}$'),
        CONSTRAINT chk_form_field_contributions_superseded_after_contributed CHECK (
          superseded_at IS NULL OR superseded_at >= contributed_at
        )
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_form_field_contributions_current_per_field
        ON form_field_contributions (tenant_id, placement_record_id, field_key)
        WHERE superseded_at IS NULL AND deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_form_field_contributions_tenant_id_placement_record_id
        ON form_field_contributions (tenant_id, placement_record_id)
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_form_field_contributions_tenant_id_form_metadata_id
        ON form_field_contributions (tenant_id, form_metadata_id)
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_form_field_contributions_set_updated_at
        BEFORE UPDATE ON form_field_contributions
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    for (const sql of enableTenantIsolationV1('form_field_contributions', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`COMMENT ON TABLE form_field_contributions IS 'Provenance of each field of a placement record: which field, on which form version, from which source, when; superseded contributions stay as history. No field values.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributions.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributions.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributions.placement_record_id IS 'Placement record whose field was contributed.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributions.form_metadata_id IS 'Form version the field was captured on.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributions.field_key IS 'Which field, such as diagnoses: lower-case letters, digits and underscores; one current contribution per record and field.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributions.source IS 'Where the value came from: staff_entry, client_interview, family_member, referral_document, specialist_report, import or other.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributions.contributed_at IS 'When the value was contributed.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributions.superseded_at IS 'When a newer contribution replaced this one; NULL while current.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributions.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributions.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributions.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of disableTenantIsolationV1('form_field_contributions', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_form_field_contributions_set_updated_at ON form_field_contributions`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_form_field_contributions_tenant_id_form_metadata_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_form_field_contributions_tenant_id_placement_record_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_form_field_contributions_current_per_field`);
    await queryRunner.query(`DROP TABLE IF EXISTS form_field_contributions`);
    await queryRunner.query(`DROP TYPE IF EXISTS contribution_source_enum`);
  }
}
