import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every table that holds a `tenant_id` column. Each gets forced row-level security and the
 * policy `pol_<table>_tenant_isolation`. Adding a tenant-scoped table: add it here (and its
 * privileges to APPLICATION_TABLE_PRIVILEGES); the catalog test fails until you do.
 */
export const TENANT_SCOPED_TABLES: readonly string[] = [
  'users',
  'facilities',
  'clients',
  'facility_staff',
  'user_action_audit_logs',
  'user_action_audit_log_chains',
  'ciam_systems',
  'user_ciam_mappings',
  'ciam_group_role_mappings',
];

/** The tenant key as a policy expression: evaluated once per query (an InitPlan), not per row. */
const CURRENT_TENANT = '(SELECT current_tenant_id())';

/**
 * Row-level security keyed on the transaction-local setting `app.tenant_id`.
 *
 * `current_tenant_id()` reads the setting and fails closed: unset, or the empty string that a
 * transaction-local setting leaves behind on a pooled connection, is NULL, which no row's
 * tenant_id equals, so nothing is visible: an INSERT fails the WITH CHECK with an RLS error
 * (SQLSTATE 42501) rather than a cast error, and an UPDATE or DELETE finds no row to change.
 *
 * Row-level security is FORCED, so the tables' owner is bound too; only superusers and
 * BYPASSRLS roles skip it. A data migration run by the owner must therefore set app.tenant_id
 * per tenant (or, deliberately, ALTER TABLE ... NO FORCE ROW LEVEL SECURITY for its duration).
 * Foreign-key checks are not filtered by policies; tenant-inclusive foreign keys keep those
 * within one tenant.
 *
 * `tenants` is under the same rule with `pol_tenants_own_row`: a tenant sees and updates only
 * its own row.
 *
 * Locks: ALTER TABLE ... ROW LEVEL SECURITY and CREATE POLICY take ACCESS EXCLUSIVE locks on each
 * table, briefly (catalog changes only, no rewrite); run it when a short pause of traffic is fine.
 */
export class EnableTenantIsolation1754250031000 implements MigrationInterface {
  name = 'EnableTenantIsolation1754250031000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION current_tenant_id() RETURNS uuid
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$
    `);
    await queryRunner.query(`
      COMMENT ON FUNCTION current_tenant_id() IS 'Tenant of the current transaction (setting app.tenant_id), or NULL when none is set: row-level security then shows no rows and rejects writes.'
    `);
    for (const table of ['tenants', ...TENANT_SCOPED_TABLES]) {
      await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    }
    await queryRunner.query(`DROP POLICY IF EXISTS pol_tenants_own_row ON tenants`);
    await queryRunner.query(`
      CREATE POLICY pol_tenants_own_row ON tenants FOR ALL
        USING (id = ${CURRENT_TENANT})
        WITH CHECK (id = ${CURRENT_TENANT})
    `);
    for (const table of TENANT_SCOPED_TABLES) {
      await queryRunner.query(`DROP POLICY IF EXISTS pol_${table}_tenant_isolation ON ${table}`);
      await queryRunner.query(`
        CREATE POLICY pol_${table}_tenant_isolation ON ${table} FOR ALL
          USING (tenant_id = ${CURRENT_TENANT})
          WITH CHECK (tenant_id = ${CURRENT_TENANT})
      `);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...TENANT_SCOPED_TABLES].reverse()) {
      await queryRunner.query(`DROP POLICY IF EXISTS pol_${table}_tenant_isolation ON ${table}`);
    }
    await queryRunner.query(`DROP POLICY IF EXISTS pol_tenants_own_row ON tenants`);
    for (const table of ['tenants', ...TENANT_SCOPED_TABLES].reverse()) {
      await queryRunner.query(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
    }
    await queryRunner.query(`DROP FUNCTION IF EXISTS current_tenant_id()`);
  }
}
