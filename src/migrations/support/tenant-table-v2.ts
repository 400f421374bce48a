/**
 * Version 2 of the path every new tenant table takes, for migrations after
 * GuardSuspendedTenantWrites1754250082000: everything version 1 does (forced row-level security,
 * `pol_<table>_tenant_isolation`, exactly the application role's privileges), plus the three
 * restrictive write guards that keep a suspended, archived or soft-deleted tenant read-only
 * (`pol_<table>_writable_insert|update|delete`, see tenant-write-guard-v1.ts).
 *
 * Version 1 is frozen with the clinical-core migrations that call it, which ran before the guard
 * existed (GuardSuspendedTenantWrites guarded them, with every other tenant table in the catalog
 * at that point). A table created later would miss the guard with v1 alone, and the catalog test
 * (test/tenancy/rls-catalog.test.ts) would fail: use this version.
 *
 * FROZEN once a migration that calls it has landed on main, like v1 (its SQL is part of each
 * caller's checksum). It composes the two frozen v1 helpers, so it is as stable as they are.
 * Builds SQL strings only; never imports application code.
 */
import { disableTenantIsolationV1, enableTenantIsolationV1 } from './tenant-table-v1';
import { tenantWriteGuardSql, writeGuardPolicyNames } from './tenant-write-guard-v1';

/**
 * Statements for the new table's `up`, after its CREATE TABLE: version 1's isolation and grants,
 * then the write guards. Re-running them is harmless (every policy is dropped first if present).
 *
 * Locks: ACCESS EXCLUSIVE on the new table (empty, in its own migration), so nobody waits.
 */
export function enableTenantIsolationV2(table: string, privileges: string): string[] {
  return [...enableTenantIsolationV1(table, privileges), ...tenantWriteGuardSql(table)];
}

/** Statements for the table's `down`, before its DROP TABLE: exactly the reverse of `enableTenantIsolationV2`. */
export function disableTenantIsolationV2(table: string, privileges: string): string[] {
  const dropGuards = writeGuardPolicyNames(table)
    .reverse()
    .map((policy) => `DROP POLICY IF EXISTS ${policy} ON ${table}`);
  return [...dropGuards, ...disableTenantIsolationV1(table, privileges)];
}
