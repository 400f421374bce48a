import { MigrationInterface, QueryRunner } from 'typeorm';
import { createRoleSql, dropRoleIfUnusedSql, transferFunctionOwnershipSql } from './support/roles';

/** Owns resolve_ciam_login(); may read the few columns sign-in needs, nothing else. */
export const LOGIN_RESOLVER_ROLE = 'foundation_login_resolver';

const SIGNATURE = 'resolve_ciam_login(text, text)';

/** Exactly the columns the resolution reads, per table: the role gets SELECT on these only. */
const READABLE_COLUMNS: Readonly<Record<string, string>> = {
  tenants: 'id, status, deleted_at',
  users: 'tenant_id, id, status, deleted_at',
  ciam_systems: 'tenant_id, id, issuer_url, is_active, deleted_at',
  user_ciam_mappings: 'tenant_id, id, user_id, ciam_system_id, external_subject, unlinked_at, deleted_at',
};

/**
 * Sign-in happens before any tenant is known. `resolve_ciam_login(issuer, subject)` is the one
 * way to turn an identity provider's (issuer, subject) pair into (tenant_id, user_id) without a
 * tenant context, and it returns nothing else: the tenants and users whose live, linked mapping
 * at an active CIAM system with exactly that issuer names exactly that subject (users invited or
 * active, tenants not archived). Several rows when the same identity is linked in several
 * tenants; none when unknown. The caller then opens `withTenant` for the chosen tenant.
 *
 * It runs as `foundation_login_resolver` (SECURITY DEFINER; NOLOGIN, not the owner, no
 * BYPASSRLS), which may SELECT only the columns above, through its own SELECT policies
 * (USING (true)) on those four tables. EXECUTE is granted to the application role only.
 *
 * Locks: CREATE POLICY takes brief ACCESS EXCLUSIVE locks on the four tables (catalog only).
 */
export class CreateLoginResolution1754250035000 implements MigrationInterface {
  name = 'CreateLoginResolution1754250035000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(createRoleSql(LOGIN_RESOLVER_ROLE));
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${LOGIN_RESOLVER_ROLE}`);
    for (const [table, columns] of Object.entries(READABLE_COLUMNS)) {
      await queryRunner.query(`GRANT SELECT (${columns}) ON ${table} TO ${LOGIN_RESOLVER_ROLE}`);
      await queryRunner.query(`DROP POLICY IF EXISTS pol_${table}_login_resolver ON ${table}`);
      await queryRunner.query(`CREATE POLICY pol_${table}_login_resolver ON ${table} FOR SELECT TO ${LOGIN_RESOLVER_ROLE} USING (true)`);
    }
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION resolve_ciam_login(issuer text, subject text)
      RETURNS TABLE (tenant_id uuid, user_id uuid)
      LANGUAGE plpgsql STABLE SECURITY DEFINER
      SET search_path = public, pg_temp
      AS $$
      BEGIN
        IF issuer IS NULL OR issuer = '' OR subject IS NULL OR subject = '' THEN
          RAISE EXCEPTION 'resolve_ciam_login: issuer and subject are required' USING ERRCODE = '22023';
        END IF;
        RETURN QUERY
          SELECT m.tenant_id, m.user_id
          FROM ciam_systems s
          JOIN user_ciam_mappings m ON m.tenant_id = s.tenant_id AND m.ciam_system_id = s.id
          JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
          JOIN tenants t ON t.id = m.tenant_id
          WHERE s.issuer_url = issuer AND s.is_active AND s.deleted_at IS NULL
            AND m.external_subject = subject AND m.unlinked_at IS NULL AND m.deleted_at IS NULL
            AND u.deleted_at IS NULL AND u.status IN ('invited', 'active')
            AND t.deleted_at IS NULL AND t.status <> 'archived'
          ORDER BY m.tenant_id;
      END
      $$
    `);
    await queryRunner.query(`
      COMMENT ON FUNCTION ${SIGNATURE} IS 'Sign-in: (issuer, subject) to (tenant_id, user_id) for live linked identities, without a tenant context. Runs as foundation_login_resolver; callable by foundation_app only.'
    `);
    await queryRunner.query(transferFunctionOwnershipSql(SIGNATURE, LOGIN_RESOLVER_ROLE));
    await queryRunner.query(`REVOKE ALL ON FUNCTION ${SIGNATURE} FROM PUBLIC`);
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION ${SIGNATURE} TO foundation_app`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${SIGNATURE}`);
    for (const table of Object.keys(READABLE_COLUMNS).reverse()) {
      await queryRunner.query(`DROP POLICY IF EXISTS pol_${table}_login_resolver ON ${table}`);
      await queryRunner.query(`REVOKE ALL ON ${table} FROM ${LOGIN_RESOLVER_ROLE}`);
    }
    await queryRunner.query(`REVOKE USAGE ON SCHEMA public FROM ${LOGIN_RESOLVER_ROLE}`);
    await queryRunner.query(dropRoleIfUnusedSql(LOGIN_RESOLVER_ROLE));
  }
}
