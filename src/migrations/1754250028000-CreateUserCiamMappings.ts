import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `user_ciam_mappings`: which subject (`sub`) at which identity provider signs in as
 * which user. Unlinking sets `unlinked_at` and keeps the row as history, so "current" means
 * not unlinked and not soft-deleted: a user has at most one current mapping, and a subject of
 * a provider maps to at most one current user. The second partial unique index is also the
 * sign-in lookup (tenant, provider, subject) for current mappings.
 *
 * Locks: new objects only, plus foreign keys to `tenants`, `users` and `ciam_systems` (brief
 * SHARE ROW EXCLUSIVE locks; validation is instant on the new, empty table).
 */
export class CreateUserCiamMappings1754250028000 implements MigrationInterface {
  name = 'CreateUserCiamMappings1754250028000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS user_ciam_mappings (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        ciam_system_id uuid NOT NULL,
        external_subject text NOT NULL,
        linked_at timestamptz NOT NULL DEFAULT now(),
        last_authenticated_at timestamptz,
        unlinked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_user_ciam_mappings PRIMARY KEY (tenant_id, id),
        CONSTRAINT fk_user_ciam_mappings_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT fk_user_ciam_mappings_user_id FOREIGN KEY (tenant_id, user_id)
          REFERENCES users (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT fk_user_ciam_mappings_ciam_system_id FOREIGN KEY (tenant_id, ciam_system_id)
          REFERENCES ciam_systems (tenant_id, id) ON DELETE RESTRICT,
        CONSTRAINT chk_user_ciam_mappings_external_subject_length CHECK (char_length(external_subject) BETWEEN 1 AND 255),
        CONSTRAINT chk_user_ciam_mappings_unlinked_after_linked CHECK (unlinked_at IS NULL OR unlinked_at >= linked_at)
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_user_ciam_mappings_current_per_user
        ON user_ciam_mappings (tenant_id, user_id) WHERE unlinked_at IS NULL AND deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_user_ciam_mappings_current_subject
        ON user_ciam_mappings (tenant_id, ciam_system_id, external_subject) WHERE unlinked_at IS NULL AND deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_user_ciam_mappings_tenant_id_user_id ON user_ciam_mappings (tenant_id, user_id)
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_user_ciam_mappings_tenant_id_ciam_system_id_external_subject
        ON user_ciam_mappings (tenant_id, ciam_system_id, external_subject)
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_user_ciam_mappings_set_updated_at
        BEFORE UPDATE ON user_ciam_mappings
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    await queryRunner.query(`COMMENT ON TABLE user_ciam_mappings IS 'Links between users and subjects at identity providers; unlinked mappings are kept as history.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_ciam_mappings.tenant_id IS 'Tenant that owns the row.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_ciam_mappings.id IS 'Primary key within the tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_ciam_mappings.user_id IS 'User who signs in through the provider; at most one current mapping per user.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_ciam_mappings.ciam_system_id IS 'Identity provider of the same tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_ciam_mappings.external_subject IS 'Subject (sub claim or SAML NameID) at the provider; maps to at most one current user per provider.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_ciam_mappings.linked_at IS 'When the link was made.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_ciam_mappings.last_authenticated_at IS 'When the user last signed in through this link; NULL if never.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_ciam_mappings.unlinked_at IS 'When the link was ended; NULL while current; not before linked_at.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_ciam_mappings.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_ciam_mappings.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_ciam_mappings.deleted_at IS 'When the row was soft-deleted; NULL while live.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_user_ciam_mappings_set_updated_at ON user_ciam_mappings`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_user_ciam_mappings_tenant_id_ciam_system_id_external_subject`);
    await queryRunner.query(`DROP INDEX IF EXISTS ix_user_ciam_mappings_tenant_id_user_id`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_user_ciam_mappings_current_subject`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_user_ciam_mappings_current_per_user`);
    await queryRunner.query(`DROP TABLE IF EXISTS user_ciam_mappings`);
  }
}
