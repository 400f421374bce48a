import { MigrationInterface, QueryRunner } from 'typeorm';
import { disableTenantIsolationV1, enableTenantIsolationV1 } from './support/tenant-table-v1';

const APP_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

/** Field ciphertexts: the envelope's format byte 1, a key version, then the library's ciphertext. */
const ENVELOPE = (column: string) =>
  `CONSTRAINT chk_addresses_${column}_envelope CHECK (substring(${column} FROM 1 FOR 1) = '\\x01'::bytea AND octet_length(${column}) BETWEEN 6 AND 65536)`;

/** The owners an address can belong to, one nullable tenant-inclusive foreign key each. */
const OWNERS = [
  { column: 'facility_id' },
  { column: 'client_id' },
  { column: 'specialist_id' },
];

/**
 * Creates `addresses`: postal addresses of facilities, clients and specialists (home, mailing,
 * billing, work, previous), with real referential integrity and no untyped polymorphic id.
 *
 * Each owner kind has its own nullable column with a tenant-inclusive foreign key
 * (`facility_id`, `client_id`, `specialist_id`), and `chk_addresses_one_owner` demands exactly
 * one of them: the database rejects an address of nobody, of two owners, of an owner that does
 * not exist, of another tenant's owner, and refuses to hard-delete an owner that still has
 * addresses. (A composite foreign key with a NULL column is not checked, which is exactly what
 * the unused owner columns need.) A new owner kind is a new column, foreign key, index and
 * CHECK in a new migration. Each owner has at most one live primary address.
 *
 * The street lines, city and postal code are stored only as field ciphertexts for every owner
 * kind (a client's home address is PHI, and one rule for all rows keeps the code simple); the
 * region (state) and country stay in clear, which the HIPAA de-identification standard allows.
 *
 * Locks: new objects only, plus foreign keys to `tenants`, `facilities`, `clients` and
 * `specialists` (brief SHARE ROW EXCLUSIVE locks; validation is instant on the new, empty table).
 */
export class CreateAddresses1754250046000 implements MigrationInterface {
  name = 'CreateAddresses1754250046000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regtype('address_kind_enum') IS NULL THEN
          CREATE TYPE address_kind_enum AS ENUM ('home', 'mailing', 'billing', 'work', 'previous', 'other');
        END IF;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS addresses (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        facility_id uuid,
        client_id uuid,
        specialist_id uuid,
        kind address_kind_enum NOT NULL DEFAULT 'home',
        is_primary boolean NOT NULL DEFAULT false,
        line1_encrypted bytea NOT NULL,
        line2_encrypted bytea,
        city_encrypted bytea NOT NULL,
        postal_code_encrypted bytea,
        region text,
        country_code text NOT NULL DEFAULT 'US',
        valid_from date,
        valid_to date,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_addresses PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_addresses_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT fk_addresses_facility_id FOREIGN KEY (tenant_id, facility_id)
          REFERENCES facilities (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT fk_addresses_client_id FOREIGN KEY (tenant_id, client_id)
          REFERENCES clients (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT fk_addresses_specialist_id FOREIGN KEY (tenant_id, specialist_id)
          REFERENCES specialists (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT chk_addresses_one_owner CHECK (num_nonnulls(facility_id, client_id, specialist_id) = 1),
        CONSTRAINT chk_addresses_region_length CHECK (char_length(btrim(region)) BETWEEN 1 AND 100),
        CONSTRAINT chk_addresses_country_code_format CHECK (country_code ~ '^[A-Z]{2}$'),
        CONSTRAINT chk_addresses_valid_to_after_valid_from CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from),
        ${ENVELOPE('line1_encrypted')},
        ${ENVELOPE('line2_encrypted')},
        ${ENVELOPE('city_encrypted')},
        ${ENVELOPE('postal_code_encrypted')}
      )
    `);
    for (const { column } of OWNERS) {
      await queryRunner.query(`
        CREATE INDEX IF NOT EXISTS ix_addresses_tenant_id_${column} ON addresses (tenant_id, ${column}) WHERE ${column} IS NOT NULL
      `);
      await queryRunner.query(`
        CREATE UNIQUE INDEX IF NOT EXISTS uq_addresses_primary_per_${column}
          ON addresses (tenant_id, ${column}) WHERE is_primary AND deleted_at IS NULL AND ${column} IS NOT NULL
      `);
    }
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_addresses_set_updated_at
        BEFORE UPDATE ON addresses
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    for (const sql of enableTenantIsolationV1('addresses', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`COMMENT ON TABLE addresses IS 'Postal addresses of facilities, clients and specialists: exactly one owner per row, each kind through its own tenant-inclusive foreign key; street, city and postal code only as field ciphertexts.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.facility_id IS 'Owner when the address is a facility''s; exactly one owner column is set.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.client_id IS 'Owner when the address is a client''s; exactly one owner column is set.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.specialist_id IS 'Owner when the address is a specialist''s; exactly one owner column is set.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.kind IS 'What the address is for: home, mailing, billing, work, previous or other.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.is_primary IS 'The owner''s primary address; at most one live primary address per owner.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.line1_encrypted IS 'Encrypted: street address, first line.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.line2_encrypted IS 'Encrypted: street address, second line.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.city_encrypted IS 'Encrypted: city or locality.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.postal_code_encrypted IS 'Encrypted: postal or ZIP code.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.region IS 'State, province or region.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.country_code IS 'ISO 3166-1 alpha-2 country code, upper case.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.valid_from IS 'First day the address applies; NULL when unknown.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.valid_to IS 'Last day the address applies; NULL while current; not before valid_from.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN addresses.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of disableTenantIsolationV1('addresses', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_addresses_set_updated_at ON addresses`);
    for (const { column } of [...OWNERS].reverse()) {
      await queryRunner.query(`DROP INDEX IF EXISTS uq_addresses_primary_per_${column}`);
      await queryRunner.query(`DROP INDEX IF EXISTS ix_addresses_tenant_id_${column}`);
    }
    await queryRunner.query(`DROP TABLE IF EXISTS addresses`);
    await queryRunner.query(`DROP TYPE IF EXISTS address_kind_enum`);
  }
}
