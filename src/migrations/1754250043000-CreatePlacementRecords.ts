import { MigrationInterface, QueryRunner } from 'typeorm';
import { disableTenantIsolationV1, enableTenantIsolationV1 } from './support/tenant-table-v1';

const APP_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

/** Field ciphertexts: the envelope's format byte 1, a key version, then the library's ciphertext. */
const ENVELOPE = (column: string) =>
  `CONSTRAINT chk_placement_records_${column}_envelope CHECK (substring(${column} FROM 1 FOR 1) = '\\x01'::bytea AND octet_length(${column}) BETWEEN 6 AND 65536)`;

/**
 * Creates `placement_records`: the placement of one client, from referral to the end of the
 * stay: which facility, when, at what level of care, funded how, and the clinical picture that
 * justifies it (diagnoses, care needs, preferences, funding details).
 *
 * - The clinical fields are PHI and are stored only as field ciphertexts (`*_encrypted`, bytea,
 *   see docs/encryption.md): each is bound to its tenant, table, column and row, and carries
 *   the key version. The CHECKs accept only the envelope's shape, so a bug that writes
 *   plaintext bytes there fails loudly.
 * - Status, care level, funding source, facility and dates stay in clear: they drive census,
 *   occupancy and billing queries and the CHECKs below, and without the client's identity
 *   (encrypted in `clients`) they name no one.
 * - A placed or ended record has a facility and a placement date; an ended one an end date, not
 *   before the placement date. A client has at most one open (draft, referred or placed) live
 *   record.
 * - `form_metadata_id`: which form version captured the record.
 *
 * Locks: new objects only, plus foreign keys to `tenants`, `clients`, `facilities` and
 * `form_metadata` (brief SHARE ROW EXCLUSIVE locks; validation is instant on the new, empty
 * table).
 */
export class CreatePlacementRecords1754250043000 implements MigrationInterface {
  name = 'CreatePlacementRecords1754250043000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regtype('placement_status_enum') IS NULL THEN
          CREATE TYPE placement_status_enum AS ENUM ('draft', 'referred', 'placed', 'ended', 'cancelled');
        END IF;
        IF to_regtype('care_level_enum') IS NULL THEN
          CREATE TYPE care_level_enum AS ENUM ('independent', 'assisted', 'memory_care', 'skilled_nursing', 'hospice');
        END IF;
        IF to_regtype('funding_source_enum') IS NULL THEN
          CREATE TYPE funding_source_enum AS ENUM (
            'private_pay', 'medicaid', 'medicare', 'long_term_care_insurance', 'veterans_affairs', 'other'
          );
        END IF;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS placement_records (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL,
        facility_id uuid,
        form_metadata_id uuid,
        status placement_status_enum NOT NULL DEFAULT 'draft',
        care_level care_level_enum,
        funding_source funding_source_enum,
        referred_on date,
        placed_on date,
        ended_on date,
        diagnoses_encrypted bytea,
        care_needs_encrypted bytea,
        preferences_encrypted bytea,
        funding_details_encrypted bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_placement_records PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_placement_records_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT fk_placement_records_client_id FOREIGN KEY (tenant_id, client_id)
          REFERENCES clients (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT fk_placement_records_facility_id FOREIGN KEY (tenant_id, facility_id)
          REFERENCES facilities (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT fk_placement_records_form_metadata_id FOREIGN KEY (tenant_id, form_metadata_id)
          REFERENCES form_metadata (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT chk_placement_records_placed_has_facility CHECK (
          status NOT IN ('placed', 'ended') OR (facility_id IS NOT NULL AND placed_on IS NOT NULL)
        ),
        CONSTRAINT chk_placement_records_ended_has_end CHECK (status <> 'ended' OR ended_on IS NOT NULL),
        CONSTRAINT chk_placement_records_end_after_start CHECK (
          ended_on IS NULL OR (placed_on IS NOT NULL AND ended_on >= placed_on)
        ),
        ${ENVELOPE('diagnoses_encrypted')},
        ${ENVELOPE('care_needs_encrypted')},
        ${ENVELOPE('preferences_encrypted')},
        ${ENVELOPE('funding_details_encrypted')}
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_placement_records_open_per_client
        ON placement_records (tenant_id, client_id)
        WHERE status IN ('draft', 'referred', 'placed') AND deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_placement_records_tenant_id_client_id ON placement_records (tenant_id, client_id)
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_placement_records_tenant_id_facility_id ON placement_records (tenant_id, facility_id)
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_placement_records_tenant_id_form_metadata_id ON placement_records (tenant_id, form_metadata_id)
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_placement_records_set_updated_at
        BEFORE UPDATE ON placement_records
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    for (const sql of enableTenantIsolationV1('placement_records', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`COMMENT ON TABLE placement_records IS 'The placement of a client in care, from referral to the end of the stay; clinical fields (PHI) only as field ciphertexts.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.client_id IS 'Client being placed; at most one open (draft, referred or placed) live record per client.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.facility_id IS 'Facility of the placement; required once placed.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.form_metadata_id IS 'Form version that captured the record.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.status IS 'draft, referred, placed, ended or cancelled.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.care_level IS 'Level of care assessed: independent, assisted, memory_care, skilled_nursing or hospice.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.funding_source IS 'Who pays: private_pay, medicaid, medicare, long_term_care_insurance, veterans_affairs or other.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.referred_on IS 'Date of the referral.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.placed_on IS 'First day of the placement; required once placed.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.ended_on IS 'Last day of the placement; not before placed_on; required once ended.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.diagnoses_encrypted IS 'PHI, encrypted: diagnoses relevant to the placement.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.care_needs_encrypted IS 'PHI, encrypted: care needs (mobility, cognition, personal care, nursing).'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.preferences_encrypted IS 'PHI, encrypted: the client''s preferences (diet, routine, faith, language).'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.funding_details_encrypted IS 'PHI, encrypted: payer details such as member and authorisation numbers.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN placement_records.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of disableTenantIsolationV1('placement_records', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_placement_records_set_updated_at ON placement_records`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_placement_records_tenant_id_form_metadata_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_placement_records_tenant_id_facility_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_placement_records_tenant_id_client_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_placement_records_open_per_client`);
    await queryRunner.query(`DROP TABLE IF EXISTS placement_records`);
    await queryRunner.query(`DROP TYPE IF EXISTS funding_source_enum`);
    await queryRunner.query(`DROP TYPE IF EXISTS care_level_enum`);
    await queryRunner.query(`DROP TYPE IF EXISTS placement_status_enum`);
  }
}
