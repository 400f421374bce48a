import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `users`: the people who sign in to a tenant, with their platform role.
 *
 * Installs citext so that e-mail addresses compare case-insensitively, which makes the
 * per-tenant unique index treat Ann@Example.org and ann@example.org as the same person.
 *
 * Locks: new objects only, plus the foreign key to `tenants`, which takes a brief SHARE ROW
 * EXCLUSIVE lock on `tenants` (it blocks writes to tenants for the length of this migration,
 * not reads); validating it is instant because `users` is new and empty.
 */
export class CreateUsers1754250021000 implements MigrationInterface {
  name = 'CreateUsers1754250021000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS citext`);
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regtype('user_role_enum') IS NULL THEN
          CREATE TYPE user_role_enum AS ENUM ('platform_admin', 'tenant_admin', 'facility_manager', 'staff', 'viewer');
        END IF;
        IF to_regtype('user_status_enum') IS NULL THEN
          CREATE TYPE user_status_enum AS ENUM ('invited', 'active', 'suspended', 'deactivated');
        END IF;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS users (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        email citext NOT NULL,
        first_name text NOT NULL,
        last_name text NOT NULL,
        display_name text,
        role user_role_enum NOT NULL DEFAULT 'viewer',
        status user_status_enum NOT NULL DEFAULT 'invited',
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_users PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_users_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT chk_users_email_format CHECK (
          char_length(email) <= 254
          AND email ~ '^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}$'
        ),
        CONSTRAINT chk_users_first_name_length CHECK (char_length(btrim(first_name)) BETWEEN 1 AND 100),
        CONSTRAINT chk_users_last_name_length CHECK (char_length(btrim(last_name)) BETWEEN 1 AND 100),
        CONSTRAINT chk_users_display_name_length CHECK (char_length(btrim(display_name)) BETWEEN 1 AND 200)
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_users_tenant_id_email ON users (tenant_id, email) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_users_set_updated_at
        BEFORE UPDATE ON users
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    await queryRunner.query(`COMMENT ON TABLE users IS 'People who sign in to a tenant, with their platform role.'`);
    await queryRunner.query(`COMMENT ON COLUMN users.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN users.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN users.email IS 'Sign-in e-mail address, case-insensitive; unique among the tenant''s live users.'`);
    await queryRunner.query(`COMMENT ON COLUMN users.first_name IS 'Given name.'`);
    await queryRunner.query(`COMMENT ON COLUMN users.last_name IS 'Family name.'`);
    await queryRunner.query(`COMMENT ON COLUMN users.display_name IS 'Name shown in the interface, when it differs from first and last name.'`);
    await queryRunner.query(`COMMENT ON COLUMN users.role IS 'Platform role: what the user may do within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN users.status IS 'Account state: invited, active, suspended or deactivated.'`);
    await queryRunner.query(`COMMENT ON COLUMN users.last_login_at IS 'When the user last signed in; NULL if never.'`);
    await queryRunner.query(`COMMENT ON COLUMN users.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN users.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN users.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_users_set_updated_at ON users`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_users_tenant_id_email`);
    await queryRunner.query(`DROP TABLE IF EXISTS users`);
    await queryRunner.query(`DROP TYPE IF EXISTS user_status_enum`);
    await queryRunner.query(`DROP TYPE IF EXISTS user_role_enum`);
    await queryRunner.query(`DROP EXTENSION IF EXISTS citext`);
  }
}
