import { MigrationInterface, QueryRunner } from 'typeorm';
import { disableTenantIsolationV1, enableTenantIsolationV1 } from './support/tenant-table-v1';

const APP_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

/**
 * Creates `placement_record_specialists` (the design documents' placement_info_specialists):
 * which specialists are involved in a placement, and as what. Both ends belong to the row's own
 * tenant (tenant-inclusive foreign keys); a specialist is linked to a record at most once among
 * live rows. Removing a link is a soft delete, so the history of who was involved stays.
 *
 * Locks: new objects only, plus foreign keys to `tenants`, `placement_records` and
 * `specialists` (brief SHARE ROW EXCLUSIVE locks; validation is instant on the new, empty table).
 */
export class CreatePlacementRecordSpecialists1754250044000 implements MigrationInterface {
  name = 'CreatePlacementRecordSpecialists1754250044000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regtype('placement_specialist_role_enum') IS NULL THEN
          CREATE TYPE placement_specialist_role_enum AS ENUM ('primary_care', 'consulting', 'referring', 'therapy', 'other');
        END IF;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS placement_record_specialists (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        placement_record_id uuid NOT NULL,
        specialist_id uuid NOT NULL,
        role placement_specialist_role_enum NOT NULL DEFAULT 'consulting',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_placement_record_specialists PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_placement_record_specialists_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT fk_placement_record_specialists_placement_record_id FOREIGN KEY (tenant_id, placement_record_id)
          REFERENCES placement_records (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT fk_placement_record_specialists_specialist_id FOREIGN KEY (tenant_id, specialist_id)
          REFERENCES specialists (tenant_id, id) ON DELETE RESTRICT
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_placement_record_specialists_link
        ON placement_record_specialists (tenant_id, placement_record_id, specialist_id) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_placement_record_specialists_tenant_id_placement_record_id
        ON placement_record_specialists (tenant_id, placement_record_id)
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_placement_record_specialists_tenant_id_specialist_id
        ON placement_record_specialists (tenant_id, specialist_id)
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_placement_record_specialists_set_updated_at
        BEFORE UPDATE ON placement_record_specialists
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    for (const sql of enableTenantIsolationV1('placement_record_specialists', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`COMMENT ON TABLE placement_record_specialists IS 'Specialists involved in a placement record, and their role; unlinking is a soft delete.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_record_specialists.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_record_specialists.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_record_specialists.placement_record_id IS 'Placement record of the same tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_record_specialists.specialist_id IS 'Specialist of the same tenant; linked to a record at most once among live rows.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_record_specialists.role IS 'Part the specialist plays: primary_care, consulting, referring, therapy or other.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_record_specialists.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_record_specialists.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_record_specialists.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of disableTenantIsolationV1('placement_record_specialists', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_placement_record_specialists_set_updated_at ON placement_record_specialists`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_placement_record_specialists_tenant_id_specialist_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_placement_record_specialists_tenant_id_placement_record_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_placement_record_specialists_link`);
    await queryRunner.query(`DROP TABLE IF EXISTS placement_record_specialists`);
    await queryRunner.query(`DROP TYPE IF EXISTS placement_specialist_role_enum`);
  }
}
