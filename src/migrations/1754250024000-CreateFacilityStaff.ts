import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `facility_staff`: which users work at which facility, in what role, and when.
 * A user has at most one open (not ended, not deleted) assignment per facility; ended
 * assignments stay as history.
 *
 * Locks: new objects only, plus foreign keys to `tenants`, `facilities` and `users` (brief
 * SHARE ROW EXCLUSIVE locks on those tables; validation is instant on the new, empty table).
 */
export class CreateFacilityStaff1754250024000 implements MigrationInterface {
  name = 'CreateFacilityStaff1754250024000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regtype('facility_role_enum') IS NULL THEN
          CREATE TYPE facility_role_enum AS ENUM (
            'administrator', 'nurse', 'caregiver', 'case_manager', 'social_worker', 'support'
          );
        END IF;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS facility_staff (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        facility_id uuid NOT NULL,
        user_id uuid NOT NULL,
        role facility_role_enum NOT NULL,
        started_on date NOT NULL,
        ended_on date,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_facility_staff PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_facility_staff_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT fk_facility_staff_facility_id FOREIGN KEY (tenant_id, facility_id)
          REFERENCES facilities (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT fk_facility_staff_user_id FOREIGN KEY (tenant_id, user_id)
          REFERENCES users (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT chk_facility_staff_end_after_start CHECK (ended_on IS NULL OR ended_on >= started_on)
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_facility_staff_open_assignment
        ON facility_staff (tenant_id, facility_id, user_id) WHERE ended_on IS NULL AND deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_facility_staff_tenant_id_facility_id ON facility_staff (tenant_id, facility_id)
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_facility_staff_tenant_id_user_id ON facility_staff (tenant_id, user_id)
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_facility_staff_set_updated_at
        BEFORE UPDATE ON facility_staff
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    await queryRunner.query(`COMMENT ON TABLE facility_staff IS 'Assignments of users to facilities: role and period; ended assignments are kept as history.'`);
    await queryRunner.query(`COMMENT ON COLUMN facility_staff.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN facility_staff.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN facility_staff.facility_id IS 'Facility the user works at.'`);
    await queryRunner.query(`COMMENT ON COLUMN facility_staff.user_id IS 'User assigned to the facility.'`);
    await queryRunner.query(`COMMENT ON COLUMN facility_staff.role IS 'Role of the user at this facility.'`);
    await queryRunner.query(`COMMENT ON COLUMN facility_staff.started_on IS 'First day of the assignment.'`);
    await queryRunner.query(`COMMENT ON COLUMN facility_staff.ended_on IS 'Last day of the assignment; NULL while open; not before the start.'`);
    await queryRunner.query(`COMMENT ON COLUMN facility_staff.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN facility_staff.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN facility_staff.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_facility_staff_set_updated_at ON facility_staff`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_facility_staff_tenant_id_user_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_facility_staff_tenant_id_facility_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_facility_staff_open_assignment`);
    await queryRunner.query(`DROP TABLE IF EXISTS facility_staff`);
    await queryRunner.query(`DROP TYPE IF EXISTS facility_role_enum`);
  }
}
