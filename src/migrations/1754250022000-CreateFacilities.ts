import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `facilities`: the care homes and other sites where a tenant places clients.
 *
 * Locks: new objects only, plus the foreign key to `tenants` (a brief SHARE ROW EXCLUSIVE
 * lock on `tenants`; validation is instant on the new, empty table).
 */
export class CreateFacilities1754250022000 implements MigrationInterface {
  name = 'CreateFacilities1754250022000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regtype('facility_kind_enum') IS NULL THEN
          CREATE TYPE facility_kind_enum AS ENUM (
            'assisted_living', 'skilled_nursing', 'memory_care', 'independent_living', 'group_home', 'hospice', 'other'
          );
        END IF;
        IF to_regtype('facility_status_enum') IS NULL THEN
          CREATE TYPE facility_status_enum AS ENUM ('active', 'inactive', 'closed');
        END IF;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS facilities (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL,
        kind facility_kind_enum NOT NULL,
        licence_number text,
        phone text,
        address_line1 text,
        address_line2 text,
        city text,
        region text,
        postal_code text,
        country_code text NOT NULL DEFAULT 'US',
        time_zone text NOT NULL DEFAULT 'UTC',
        capacity integer NOT NULL DEFAULT 0,
        status facility_status_enum NOT NULL DEFAULT 'active',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_facilities PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_facilities_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT chk_facilities_name_length CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
        CONSTRAINT chk_facilities_licence_number_length CHECK (char_length(btrim(licence_number)) BETWEEN 1 AND 64),
        CONSTRAINT chk_facilities_phone_format CHECK (phone ~ '^[+][1-9][0-9]{6,14}$'),
        CONSTRAINT chk_facilities_address_line1_length CHECK (char_length(btrim(address_line1)) BETWEEN 1 AND 200),
        CONSTRAINT chk_facilities_address_line2_length CHECK (char_length(btrim(address_line2)) BETWEEN 1 AND 200),
        CONSTRAINT chk_facilities_city_length CHECK (char_length(btrim(city)) BETWEEN 1 AND 100),
        CONSTRAINT chk_facilities_region_length CHECK (char_length(btrim(region)) BETWEEN 1 AND 100),
        CONSTRAINT chk_facilities_postal_code_format CHECK (postal_code ~ '^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$'),
        CONSTRAINT chk_facilities_country_code_format CHECK (country_code ~ '^[A-Z]{2}$'),
        CONSTRAINT chk_facilities_time_zone_format CHECK (
          char_length(time_zone) <= 64 AND time_zone ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$'
        ),
        CONSTRAINT chk_facilities_capacity_non_negative CHECK (capacity >= 0)
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_facilities_tenant_id_name ON facilities (tenant_id, name) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_facilities_set_updated_at
        BEFORE UPDATE ON facilities
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    await queryRunner.query(`COMMENT ON TABLE facilities IS 'Care homes and other sites where a tenant places clients.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.name IS 'Facility name; unique among the tenant''s live facilities.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.kind IS 'Kind of care the facility provides.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.licence_number IS 'State licence number, when licensed.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.phone IS 'Main telephone number in E.164 form, such as +15035550100.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.address_line1 IS 'Street address, first line.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.address_line2 IS 'Street address, second line.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.city IS 'City or locality.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.region IS 'State, province or region.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.postal_code IS 'Postal or ZIP code.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.country_code IS 'ISO 3166-1 alpha-2 country code, upper case.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.time_zone IS 'IANA time zone of the site, such as America/Chicago.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.capacity IS 'Licensed number of beds; zero or more.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.status IS 'Operating state: active, inactive or closed.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN facilities.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_facilities_set_updated_at ON facilities`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_facilities_tenant_id_name`);
    await queryRunner.query(`DROP TABLE IF EXISTS facilities`);
    await queryRunner.query(`DROP TYPE IF EXISTS facility_status_enum`);
    await queryRunner.query(`DROP TYPE IF EXISTS facility_kind_enum`);
  }
}
