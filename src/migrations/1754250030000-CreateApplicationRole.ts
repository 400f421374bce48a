import { MigrationInterface, QueryRunner } from 'typeorm';
import { createRoleSql, dropRoleIfUnusedSql } from './support/roles';

/** The role the application works as: owns nothing, no superuser, no BYPASSRLS, no DDL. */
export const APPLICATION_ROLE = 'foundation_app';

/**
 * What the application role may do on each table, and nothing more. No TRUNCATE and no
 * REFERENCES (both ignore row-level security), no TRIGGER. Tenants are created and retired
 * through the platform functions (CreatePlatformOperations), so the application may only read
 * its own tenant's row and update its name and settings: status, slug and deleted_at change
 * only through those functions, so a suspended tenant cannot reactivate itself. An append-only
 * table (the audit log) gets SELECT, INSERT.
 * Adding a table: one line here, one in TENANT_SCOPED_TABLES (EnableTenantIsolation).
 */
export const APPLICATION_TABLE_PRIVILEGES: Readonly<Record<string, string>> = {
  tenants: 'SELECT, UPDATE (name, settings)',
  users: 'SELECT, INSERT, UPDATE, DELETE',
  facilities: 'SELECT, INSERT, UPDATE, DELETE',
  clients: 'SELECT, INSERT, UPDATE, DELETE',
  facility_staff: 'SELECT, INSERT, UPDATE, DELETE',
  user_action_audit_logs: 'SELECT, INSERT',
  user_action_audit_log_chains: 'SELECT',
  ciam_systems: 'SELECT, INSERT, UPDATE, DELETE',
  user_ciam_mappings: 'SELECT, INSERT, UPDATE, DELETE',
  ciam_group_role_mappings: 'SELECT, INSERT, UPDATE, DELETE',
};

/**
 * Creates the application role `foundation_app` (NOLOGIN, cluster-wide, created only when
 * missing) and grants it row-level privileges on the schema's tables. A deployment grants it
 * to the login user the application connects as (see README, "Tenant isolation").
 *
 * Also revokes CREATE on schema public from PUBLIC (PostgreSQL 14 and older still grant it), so
 * neither the application role nor any other non-owner can create objects there, such as a
 * function that shadows one a SECURITY DEFINER function calls. `down` does not grant it back:
 * that would re-open the hole on a database that never had it.
 *
 * `down` revokes this database's grants and drops the role only if no other database and no
 * member role still use it.
 *
 * Locks: GRANT/REVOKE take a brief lock on each table's catalog row; no table data is touched.
 */
export class CreateApplicationRole1754250030000 implements MigrationInterface {
  name = 'CreateApplicationRole1754250030000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(createRoleSql(APPLICATION_ROLE));
    await queryRunner.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${APPLICATION_ROLE}`);
    for (const [table, privileges] of Object.entries(APPLICATION_TABLE_PRIVILEGES)) {
      await queryRunner.query(`GRANT ${privileges} ON ${table} TO ${APPLICATION_ROLE}`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of Object.keys(APPLICATION_TABLE_PRIVILEGES).reverse()) {
      await queryRunner.query(`REVOKE ALL ON ${table} FROM ${APPLICATION_ROLE}`);
    }
    await queryRunner.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APPLICATION_ROLE}') THEN
          REVOKE USAGE ON SCHEMA public FROM ${APPLICATION_ROLE};
        END IF;
      END
      $$
    `);
    await queryRunner.query(dropRoleIfUnusedSql(APPLICATION_ROLE));
  }
}
