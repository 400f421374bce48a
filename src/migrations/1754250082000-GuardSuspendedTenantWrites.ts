import { MigrationInterface, QueryRunner } from 'typeorm';
import { dropTenantWriteGuardsSql, tenantWriteGuardForAllTablesSql } from './support/tenant-write-guard-v1';

/**
 * Suspended tenants are read-only in the database itself.
 *
 * `tenants.status` (active, suspended, archived) was only documented: a suspended tenant's
 * transaction could still write everything. Now every tenant table present when this migration
 * runs (read from the catalog: `tenants` and every table with a `tenant_id` column, whichever
 * migration made it), except the audit trail, gets three RESTRICTIVE policies, for INSERT,
 * UPDATE and DELETE, on `(SELECT current_tenant_writable())` (support/tenant-write-guard-v1.ts).
 * In a suspended, archived or soft-deleted tenant's transaction every write is refused with
 * SQLSTATE 25006 naming the tenant and its status, for every role that is subject to row-level
 * security (the application and the table owner alike); reads are untouched.
 *
 * The status is part of the signed tenant context (VerifyTenantContext1754250081000), so SQL
 * inside the transaction cannot change it; only the platform path changes a tenant's status, and
 * only for transactions that start afterwards.
 *
 * The audit log and its chain heads stay writable: a suspended tenant's users may still read,
 * and those reads must be recorded.
 *
 * Locks: CREATE POLICY takes a brief ACCESS EXCLUSIVE lock on each guarded table (catalog only).
 */
export class GuardSuspendedTenantWrites1754250082000 implements MigrationInterface {
  name = 'GuardSuspendedTenantWrites1754250082000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(tenantWriteGuardForAllTablesSql());
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(dropTenantWriteGuardsSql());
  }
}
