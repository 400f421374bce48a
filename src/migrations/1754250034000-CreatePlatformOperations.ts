import { MigrationInterface, QueryRunner } from 'typeorm';
import { createRoleSql, dropRoleIfUnusedSql, transferFunctionOwnershipSql } from './support/roles';

/** Owns the platform functions; may read and write `tenants`, nothing else. Never a login. */
export const TENANT_REGISTRY_ROLE = 'foundation_tenant_registry';
/** Granted to the platform operators' login: may call the platform functions, nothing else. */
export const PLATFORM_ROLE = 'foundation_platform';

const FUNCTIONS = [
  'platform_register_tenant(text, text)',
  'platform_list_tenants()',
  'platform_set_tenant_status(uuid, tenant_status_enum)',
];

/**
 * The one path for work across tenants: registering a tenant, listing tenants, and changing a
 * tenant's status. Three SECURITY DEFINER functions owned by `foundation_tenant_registry`
 * (NOLOGIN, not the table owner, no BYPASSRLS), whose own policy on `tenants` lets it see and
 * write every tenant row and which has no privilege on any tenant's data. Only
 * `foundation_platform` may call them; it has no other privilege, and the application role
 * has none of them. There is no general bypass: no role used by the application skips
 * row-level security.
 *
 * Locks: CREATE POLICY takes a brief ACCESS EXCLUSIVE lock on tenants (catalog only).
 */
export class CreatePlatformOperations1754250034000 implements MigrationInterface {
  name = 'CreatePlatformOperations1754250034000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(createRoleSql(TENANT_REGISTRY_ROLE));
    await queryRunner.query(createRoleSql(PLATFORM_ROLE));
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${TENANT_REGISTRY_ROLE}, ${PLATFORM_ROLE}`);
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE ON tenants TO ${TENANT_REGISTRY_ROLE}`);
    await queryRunner.query(`DROP POLICY IF EXISTS pol_tenants_tenant_registry ON tenants`);
    await queryRunner.query(`
      CREATE POLICY pol_tenants_tenant_registry ON tenants FOR ALL TO ${TENANT_REGISTRY_ROLE}
        USING (true) WITH CHECK (true)
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION platform_register_tenant(tenant_name text, tenant_slug text)
      RETURNS uuid
      LANGUAGE sql VOLATILE SECURITY DEFINER
      SET search_path = public, pg_temp
      AS $$ INSERT INTO tenants (name, slug) VALUES (tenant_name, tenant_slug) RETURNING id $$
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION platform_list_tenants()
      RETURNS TABLE (id uuid, name text, slug text, status tenant_status_enum, created_at timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = public, pg_temp
      AS $$
        SELECT t.id, t.name, t.slug, t.status, t.created_at FROM tenants t
        WHERE t.deleted_at IS NULL ORDER BY t.slug
      $$
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION platform_set_tenant_status(tenant uuid, new_status tenant_status_enum)
      RETURNS void
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = public, pg_temp
      AS $$
      BEGIN
        UPDATE tenants SET status = new_status WHERE id = tenant AND deleted_at IS NULL;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'platform_set_tenant_status: no live tenant %', tenant USING ERRCODE = 'P0002';
        END IF;
      END
      $$
    `);
    await queryRunner.query(`COMMENT ON FUNCTION platform_register_tenant(text, text) IS 'Platform operation: creates a tenant and returns its id. Callable by foundation_platform only.'`);
    await queryRunner.query(`COMMENT ON FUNCTION platform_list_tenants() IS 'Platform operation: every live tenant (id, name, slug, status, created_at); no tenant data. Callable by foundation_platform only.'`);
    await queryRunner.query(`COMMENT ON FUNCTION platform_set_tenant_status(uuid, tenant_status_enum) IS 'Platform operation: sets a live tenant''s status; raises P0002 for an unknown tenant. Callable by foundation_platform only.'`);
    for (const signature of FUNCTIONS) {
      await queryRunner.query(transferFunctionOwnershipSql(signature, TENANT_REGISTRY_ROLE));
      await queryRunner.query(`REVOKE ALL ON FUNCTION ${signature} FROM PUBLIC`);
      await queryRunner.query(`GRANT EXECUTE ON FUNCTION ${signature} TO ${PLATFORM_ROLE}`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const signature of [...FUNCTIONS].reverse()) await queryRunner.query(`DROP FUNCTION IF EXISTS ${signature}`);
    await queryRunner.query(`DROP POLICY IF EXISTS pol_tenants_tenant_registry ON tenants`);
    await queryRunner.query(`REVOKE ALL ON tenants FROM ${TENANT_REGISTRY_ROLE}`);
    await queryRunner.query(`REVOKE USAGE ON SCHEMA public FROM ${TENANT_REGISTRY_ROLE}, ${PLATFORM_ROLE}`);
    await queryRunner.query(dropRoleIfUnusedSql(PLATFORM_ROLE));
    await queryRunner.query(dropRoleIfUnusedSql(TENANT_REGISTRY_ROLE));
  }
}
