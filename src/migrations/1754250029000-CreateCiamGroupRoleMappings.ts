import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `ciam_group_role_mappings`: a value of a provider's group or role claim (for
 * example `groups` = `placement-admins`) grants a `user_role_enum` role in the tenant. One
 * role per provider, claim and value among live rows. `platform_admin` cannot be granted this
 * way: a tenant's own identity provider must not be able to make anyone a platform operator.
 *
 * Locks: new objects only, plus foreign keys to `tenants` and `ciam_systems` (brief SHARE ROW
 * EXCLUSIVE locks; validation is instant on the new, empty table).
 */
export class CreateCiamGroupRoleMappings1754250029000 implements MigrationInterface {
  name = 'CreateCiamGroupRoleMappings1754250029000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS ciam_group_role_mappings (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        ciam_system_id uuid NOT NULL,
        claim_name text NOT NULL,
        claim_value text NOT NULL,
        role user_role_enum NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_ciam_group_role_mappings PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_ciam_group_role_mappings_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT fk_ciam_group_role_mappings_ciam_system_id FOREIGN KEY (tenant_id, ciam_system_id)
          REFERENCES ciam_systems (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT chk_ciam_group_role_mappings_claim_name_length CHECK (char_length(btrim(claim_name)) BETWEEN 1 AND 100),
        CONSTRAINT chk_ciam_group_role_mappings_claim_value_length CHECK (char_length(btrim(claim_value)) BETWEEN 1 AND 255),
        CONSTRAINT chk_ciam_group_role_mappings_role_not_platform_admin CHECK (role <> 'platform_admin')
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_ciam_group_role_mappings_claim
        ON ciam_group_role_mappings (tenant_id, ciam_system_id, claim_name, claim_value) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_ciam_group_role_mappings_tenant_id_ciam_system_id
        ON ciam_group_role_mappings (tenant_id, ciam_system_id)
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_ciam_group_role_mappings_set_updated_at
        BEFORE UPDATE ON ciam_group_role_mappings
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    await queryRunner.query(`COMMENT ON TABLE ciam_group_role_mappings IS 'Roles granted in the tenant for a value of an identity provider''s group or role claim.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_group_role_mappings.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_group_role_mappings.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_group_role_mappings.ciam_system_id IS 'Identity provider of the same tenant that issues the claim.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_group_role_mappings.claim_name IS 'Name of the claim or attribute, such as groups, roles or cognito:groups.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_group_role_mappings.claim_value IS 'Value of the claim that grants the role; one mapping per provider, claim and value among live rows.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_group_role_mappings.role IS 'Role granted in the tenant; never platform_admin.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_group_role_mappings.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_group_role_mappings.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN ciam_group_role_mappings.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_ciam_group_role_mappings_set_updated_at ON ciam_group_role_mappings`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_ciam_group_role_mappings_tenant_id_ciam_system_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_ciam_group_role_mappings_claim`);
    await queryRunner.query(`DROP TABLE IF EXISTS ciam_group_role_mappings`);
  }
}
