import { MigrationInterface, QueryRunner } from 'typeorm';
import { disableTenantIsolationV1, enableTenantIsolationV1 } from './support/tenant-table-v1';

const APP_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

/**
 * Creates `form_field_contributors` (the design documents' contributor junction): who
 * contributed to a field contribution, and how (author, reviewer, informant, verifier). A
 * contributor is either one of the tenant's users (staff) or one of its specialists: one
 * nullable tenant-inclusive foreign key each, and `chk_form_field_contributors_one_contributor`
 * demands exactly one, so there is no untyped polymorphic id. A person appears at most once per
 * contribution among live rows.
 *
 * Locks: new objects only, plus foreign keys to `tenants`, `form_field_contributions`, `users`
 * and `specialists` (brief SHARE ROW EXCLUSIVE locks; validation is instant on the new, empty
 * table).
 */
export class CreateFormFieldContributors1754250048000 implements MigrationInterface {
  name = 'CreateFormFieldContributors1754250048000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regtype('contributor_role_enum') IS NULL THEN
          CREATE TYPE contributor_role_enum AS ENUM ('author', 'reviewer', 'informant', 'verifier');
        END IF;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS form_field_contributors (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        contribution_id uuid NOT NULL,
        user_id uuid,
        specialist_id uuid,
        role contributor_role_enum NOT NULL DEFAULT 'author',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_form_field_contributors PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_form_field_contributors_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT fk_form_field_contributors_contribution_id FOREIGN KEY (tenant_id, contribution_id)
          REFERENCES form_field_contributions (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT fk_form_field_contributors_user_id FOREIGN KEY (tenant_id, user_id)
          REFERENCES users (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT fk_form_field_contributors_specialist_id FOREIGN KEY (tenant_id, specialist_id)
          REFERENCES specialists (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT chk_form_field_contributors_one_contributor CHECK (num_nonnulls(user_id, specialist_id) = 1)
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_form_field_contributors_user
        ON form_field_contributors (tenant_id, contribution_id, user_id) WHERE user_id IS NOT NULL AND deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_form_field_contributors_specialist
        ON form_field_contributors (tenant_id, contribution_id, specialist_id) WHERE specialist_id IS NOT NULL AND deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_form_field_contributors_tenant_id_contribution_id
        ON form_field_contributors (tenant_id, contribution_id)
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_form_field_contributors_tenant_id_user_id
        ON form_field_contributors (tenant_id, user_id) WHERE user_id IS NOT NULL
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_form_field_contributors_tenant_id_specialist_id
        ON form_field_contributors (tenant_id, specialist_id) WHERE specialist_id IS NOT NULL
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_form_field_contributors_set_updated_at
        BEFORE UPDATE ON form_field_contributors
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    for (const sql of enableTenantIsolationV1('form_field_contributors', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`COMMENT ON TABLE form_field_contributors IS 'Who contributed to a field contribution and how: exactly one of a user or a specialist per row, each through its own tenant-inclusive foreign key.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributors.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributors.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributors.contribution_id IS 'Field contribution of the same tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributors.user_id IS 'Contributor when a user (staff); exactly one of user_id and specialist_id is set.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributors.specialist_id IS 'Contributor when a specialist; exactly one of user_id and specialist_id is set.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributors.role IS 'How they contributed: author, reviewer, informant or verifier.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributors.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributors.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN form_field_contributors.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of disableTenantIsolationV1('form_field_contributors', APP_PRIVILEGES)) await queryRunner.query(sql);
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_form_field_contributors_set_updated_at ON form_field_contributors`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_form_field_contributors_tenant_id_specialist_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_form_field_contributors_tenant_id_user_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_form_field_contributors_tenant_id_contribution_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_form_field_contributors_specialist`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_form_field_contributors_user`);
    await queryRunner.query(`DROP TABLE IF EXISTS form_field_contributors`);
    await queryRunner.query(`DROP TYPE IF EXISTS contributor_role_enum`);
  }
}
