import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `clients`: the people being placed in care (protected health information).
 *
 * Installs pg_trgm for the trigram index behind fuzzy name search; the index covers live
 * rows only, and a search must use the same expression, `first_name || ' ' || last_name`.
 *
 * The date-of-birth CHECK compares with CURRENT_DATE. That is not immutable, but it only
 * ever accepts more as time passes, so a dump still restores.
 *
 * Locks: new objects only, plus foreign keys to `tenants` and `facilities` (brief SHARE ROW
 * EXCLUSIVE locks on those two tables; validation is instant on the new, empty table).
 */
export class CreateClients1754250023000 implements MigrationInterface {
  name = 'CreateClients1754250023000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regtype('client_status_enum') IS NULL THEN
          CREATE TYPE client_status_enum AS ENUM ('referred', 'waitlisted', 'admitted', 'discharged', 'declined');
        END IF;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS clients (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        facility_id uuid,
        first_name text NOT NULL,
        last_name text NOT NULL,
        preferred_name text,
        date_of_birth date NOT NULL,
        medical_record_number text NOT NULL,
        status client_status_enum NOT NULL DEFAULT 'referred',
        admitted_on date,
        discharged_on date,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_clients PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_clients_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT fk_clients_facility_id FOREIGN KEY (tenant_id, facility_id)
          REFERENCES facilities (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT chk_clients_first_name_length CHECK (char_length(btrim(first_name)) BETWEEN 1 AND 100),
        CONSTRAINT chk_clients_last_name_length CHECK (char_length(btrim(last_name)) BETWEEN 1 AND 100),
        CONSTRAINT chk_clients_preferred_name_length CHECK (char_length(btrim(preferred_name)) BETWEEN 1 AND 100),
        CONSTRAINT chk_clients_date_of_birth_range CHECK (date_of_birth BETWEEN DATE '1900-01-01' AND CURRENT_DATE),
        CONSTRAINT chk_clients_medical_record_number_format CHECK (medical_record_number ~ '^[A-Za-z0-9][A-Za-z0-9-]{0,63}$'),
        CONSTRAINT chk_clients_discharge_after_admission CHECK (
          discharged_on IS NULL OR (admitted_on IS NOT NULL AND discharged_on >= admitted_on)
        )
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_clients_tenant_id_medical_record_number
        ON clients (tenant_id, medical_record_number) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_clients_tenant_id_facility_id ON clients (tenant_id, facility_id)
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_clients_full_name_trgm
        ON clients USING gin ((first_name || ' ' || last_name) gin_trgm_ops) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_clients_set_updated_at
        BEFORE UPDATE ON clients
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    await queryRunner.query(`COMMENT ON TABLE clients IS 'People being placed in care; protected health information.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.facility_id IS 'Facility the client is placed at or referred to; NULL while unassigned.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.first_name IS 'Legal given name.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.last_name IS 'Legal family name.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.preferred_name IS 'Name the client prefers to be called by.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.date_of_birth IS 'Date of birth; from 1900-01-01 to today.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.medical_record_number IS 'Medical record number: letters, digits and hyphens; unique among the tenant''s live clients.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.status IS 'Placement state: referred, waitlisted, admitted, discharged or declined.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.admitted_on IS 'Date of admission to the facility.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.discharged_on IS 'Date of discharge; requires an admission date and is not before it.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_clients_set_updated_at ON clients`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_clients_full_name_trgm`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_clients_tenant_id_facility_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_clients_tenant_id_medical_record_number`);
    await queryRunner.query(`DROP TABLE IF EXISTS clients`);
    await queryRunner.query(`DROP TYPE IF EXISTS client_status_enum`);
    await queryRunner.query(`DROP EXTENSION IF EXISTS pg_trgm`);
  }
}
