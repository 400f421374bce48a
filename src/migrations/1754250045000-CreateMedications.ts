import { MigrationInterface, QueryRunner } from 'typeorm';
import { disableTenantIsolationV1, enableTenantIsolationV1 } from './support/tenant-table-v1';

const APP_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

/** Field ciphertexts: the envelope's format byte 1, a key version, then the library's ciphertext. */
const ENVELOPE = (column: string) =>
  `CONSTRAINT chk_medications_${column}_envelope CHECK (substring(${column} FROM 1 FOR 1) = '\\x01'::bytea AND octet_length(${column}) BETWEEN 6 AND 65536)`;

/**
 * Creates `medications`: what each client takes: drug, dose, route, frequency, prescriber, start
 * and end. The drug, dose, frequency, instructions and a prescriber's name written by hand are
 * PHI and stored only as field ciphertexts (docs/encryption.md). The route (a named enum), the
 * dates and a prescriber from the specialist directory stay in clear: "which medications are
 * current" and "which clients does this specialist prescribe for" are queries the service must
 * run, and they name no drug. A medication ends on or after the day it started.
 *
 * Locks: new objects only, plus foreign keys to `tenants`, `clients` and `specialists` (brief
 * SHARE ROW EXCLUSIVE locks; validation is instant on the new, empty table).
 */
export class CreateMedications1754250045000 implements MigrationInterface {
  name = 'CreateMedications1754250045000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regtype('medication_route_enum') IS NULL THEN
          CREATE TYPE medication_route_enum AS ENUM (
            'oral', 'sublingual', 'topical', 'transdermal', 'inhaled', 'nasal', 'ophthalmic', 'otic',
            'subcutaneous', 'intramuscular', 'intravenous', 'rectal', 'enteral_tube', 'other'
          );
        END IF;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS medications (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL,
        prescriber_specialist_id uuid,
        route medication_route_enum NOT NULL,
        started_on date NOT NULL,
        ended_on date,
        drug_name_encrypted bytea NOT NULL,
        dose_encrypted bytea NOT NULL,
        frequency_encrypted bytea NOT NULL,
        instructions_encrypted bytea,
        prescriber_name_encrypted bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_medications PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_medications_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT fk_medications_client_id FOREIGN KEY (tenant_id, client_id)
          REFERENCES clients (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT fk_medications_prescriber_specialist_id FOREIGN KEY (tenant_id, prescriber_specialist_id)
          REFERENCES specialists (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT chk_medications_end_after_start CHECK (ended_on IS NULL OR ended_on >= started_on),
        ${ENVELOPE('drug_name_encrypted')},
        ${ENVELOPE('dose_encrypted')},
        ${ENVELOPE('frequency_encrypted')},
        ${ENVELOPE('instructions_encrypted')},
        ${ENVELOPE('prescriber_name_encrypted')}
      )
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_medications_tenant_id_client_id ON medications (tenant_id, client_id)
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_medications_tenant_id_prescriber_specialist_id ON medications (tenant_id, prescriber_specialist_id)
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_medications_set_updated_at
        BEFORE UPDATE ON medications
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    for (const sql of enableTenantIsolationV1('medications', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`COMMENT ON TABLE medications IS 'Medications of each client: drug, dose, route, frequency, prescriber, start and end; drug, dose, frequency and notes only as field ciphertexts.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.client_id IS 'Client who takes the medication.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.prescriber_specialist_id IS 'Prescriber, when in the tenant''s specialist directory.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.route IS 'Route of administration, such as oral or transdermal.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.started_on IS 'First day taken.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.ended_on IS 'Last day taken; NULL while current; not before started_on.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.drug_name_encrypted IS 'PHI, encrypted: drug name and strength, such as metformin 500 mg.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.dose_encrypted IS 'PHI, encrypted: dose per administration, such as 1 tablet.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.frequency_encrypted IS 'PHI, encrypted: how often, such as twice daily with meals.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.instructions_encrypted IS 'PHI, encrypted: further instructions.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.prescriber_name_encrypted IS 'PHI, encrypted: the prescriber''s name when not in the specialist directory.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN medications.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of disableTenantIsolationV1('medications', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_medications_set_updated_at ON medications`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_medications_tenant_id_prescriber_specialist_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_medications_tenant_id_client_id`);
    await queryRunner.query(`DROP TABLE IF EXISTS medications`);
    await queryRunner.query(`DROP TYPE IF EXISTS medication_route_enum`);
  }
}
