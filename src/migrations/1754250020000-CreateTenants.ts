import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates the foundation every other table builds on: the shared `set_updated_at()` trigger
 * function and `tenants`, the organisations that own all other data.
 *
 * Locks: creates new objects only; nothing that exists is locked.
 * Re-running `up` over existing objects is harmless (IF NOT EXISTS / OR REPLACE guards).
 */
export class CreateTenants1754250020000 implements MigrationInterface {
  name = 'CreateTenants1754250020000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        NEW.updated_at := now();
        RETURN NEW;
      END;
      $$
    `);
    await queryRunner.query(`
      COMMENT ON FUNCTION set_updated_at() IS 'Trigger function: keeps updated_at at the time of the latest update of the row.'
    `);
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regtype('tenant_status_enum') IS NULL THEN
          CREATE TYPE tenant_status_enum AS ENUM ('active', 'suspended', 'archived');
        END IF;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS tenants (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL,
        slug text NOT NULL,
        status tenant_status_enum NOT NULL DEFAULT 'active',
        settings jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_tenants PRIMARY KEY (id),
        CONSTRAINT chk_tenants_name_length CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
        CONSTRAINT chk_tenants_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 63),
        CONSTRAINT chk_tenants_settings_object CHECK (jsonb_typeof(settings) = 'object')
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_tenants_slug ON tenants (slug) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_tenants_set_updated_at
        BEFORE UPDATE ON tenants
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    await queryRunner.query(`COMMENT ON TABLE tenants IS 'Organisations using the platform; every other row belongs to exactly one tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN tenants.id IS 'Primary key.'`);
    await queryRunner.query(`COMMENT ON COLUMN tenants.name IS 'Display name of the organisation.'`);
    await queryRunner.query(`COMMENT ON COLUMN tenants.slug IS 'Lower-case URL identifier: letters, digits and single hyphens; unique among live tenants.'`);
    await queryRunner.query(`COMMENT ON COLUMN tenants.status IS 'Lifecycle state: active, suspended (read-only) or archived.'`);
    await queryRunner.query(`COMMENT ON COLUMN tenants.settings IS 'Tenant-level configuration as a JSON object.'`);
    await queryRunner.query(`COMMENT ON COLUMN tenants.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN tenants.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN tenants.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_tenants_set_updated_at ON tenants`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_tenants_slug`);
    await queryRunner.query(`DROP TABLE IF EXISTS tenants`);
    await queryRunner.query(`DROP TYPE IF EXISTS tenant_status_enum`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS set_updated_at()`);
  }
}
