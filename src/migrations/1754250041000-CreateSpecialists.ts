import { MigrationInterface, QueryRunner } from 'typeorm';
import { disableTenantIsolationV1, enableTenantIsolationV1 } from './support/tenant-table-v1';

const APP_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

/**
 * Creates `specialists`: each tenant's directory of outside clinicians (physicians, therapists,
 * pharmacists...) who treat or assess its clients. A directory of professionals, not PHI, so it
 * stays in clear; which specialist works with which client lives in the PHI-bearing tables that
 * point here. The US National Provider Identifier, when known, is unique among the tenant's
 * live specialists.
 *
 * Locks: new objects only, plus the foreign key to `tenants` (a brief SHARE ROW EXCLUSIVE lock;
 * validation is instant on the new, empty table).
 */
export class CreateSpecialists1754250041000 implements MigrationInterface {
  name = 'CreateSpecialists1754250041000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS specialists (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        full_name text NOT NULL,
        specialty text NOT NULL,
        organisation text,
        npi text,
        phone text,
        email text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_specialists PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_specialists_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT chk_specialists_full_name_length CHECK (char_length(btrim(full_name)) BETWEEN 1 AND 200),
        CONSTRAINT chk_specialists_specialty_length CHECK (char_length(btrim(specialty)) BETWEEN 1 AND 100),
        CONSTRAINT chk_specialists_organisation_length CHECK (char_length(btrim(organisation)) BETWEEN 1 AND 200),
        CONSTRAINT chk_specialists_npi_format CHECK (npi ~ '^[0-9]{10}$'),
        CONSTRAINT chk_specialists_phone_format CHECK (phone ~ '^[+][1-9][0-9]{6,14}$'),
        CONSTRAINT chk_specialists_email_format CHECK (
          char_length(email) <= 254 AND email ~ '^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}$'
        )
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_specialists_tenant_id_npi ON specialists (tenant_id, npi) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_specialists_set_updated_at
        BEFORE UPDATE ON specialists
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    for (const sql of enableTenantIsolationV1('specialists', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`COMMENT ON TABLE specialists IS 'Each tenant''s directory of outside clinicians who treat or assess its clients; professional data, not PHI.'`);
    await queryRunner.query(`COMMENT ON COLUMN specialists.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN specialists.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN specialists.full_name IS 'Name as the specialist practises, such as Dr. Ana Ruiz.'`);
    await queryRunner.query(`COMMENT ON COLUMN specialists.specialty IS 'Field of practice, such as geriatrics or physical therapy.'`);
    await queryRunner.query(`COMMENT ON COLUMN specialists.organisation IS 'Practice, clinic or hospital the specialist works for.'`);
    await queryRunner.query(`COMMENT ON COLUMN specialists.npi IS 'US National Provider Identifier (10 digits); unique among the tenant''s live specialists.'`);
    await queryRunner.query(`COMMENT ON COLUMN specialists.phone IS 'Work telephone number in E.164 form, such as +15035550100.'`);
    await queryRunner.query(`COMMENT ON COLUMN specialists.email IS 'Work e-mail address.'`);
    await queryRunner.query(`COMMENT ON COLUMN specialists.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN specialists.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN specialists.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of disableTenantIsolationV1('specialists', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_specialists_set_updated_at ON specialists`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_specialists_tenant_id_npi`);
    await queryRunner.query(`DROP TABLE IF EXISTS specialists`);
  }
}
