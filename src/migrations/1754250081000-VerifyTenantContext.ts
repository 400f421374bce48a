import { MigrationInterface, QueryRunner } from 'typeorm';
import { TENANT_CONTEXT_ROLE } from './1754250080000-CreateTenantContextKeys';
import { transferFunctionOwnershipSql } from './support/roles';
import { currentTenantIdSql, currentTenantWritableSql, enterTenantSql } from './support/tenant-context-v1';

const CURRENT_TENANT = 'current_tenant_id()';
const WRITABLE = 'current_tenant_writable()';
const ENTER = 'enter_tenant(text)';

/**
 * A tenant context that SQL run as the application role cannot forge.
 *
 * Until now `current_tenant_id()` read `app.tenant_id`, a setting any role may change, so one
 * injected `set_config('app.tenant_id', <other tenant>, true)` opened another tenant's rows.
 * This migration redefines what it returns (CREATE OR REPLACE keeps the function, so every
 * isolation policy, of every table created before or after, follows without being touched):
 *
 * - `enter_tenant(proof)` verifies a proof the application made with a key from
 *   `tenant_context_keys` (HMAC-SHA256 over tenant, backend pid, a per-connection sequence
 *   number and an expiry at most a minute ahead), refuses it when forged, expired, made for
 *   another connection or already used on this one, and then sets the transaction-local
 *   `foundation.tenant_context` to a context signed with the same key and bound to this backend
 *   and this transaction's start. It returns the tenant's status.
 * - `current_tenant_id()` returns the tenant of that context only when its signature verifies
 *   and it belongs to this backend and this transaction; anything else (no context, a copied,
 *   edited or stale one, `app.tenant_id`) is NULL, so row-level security shows nothing.
 * - `current_tenant_writable()` (used by GuardSuspendedTenantWrites1754250082000) raises 25006
 *   when the context's tenant is suspended, archived or soft-deleted.
 *
 * All three are SECURITY DEFINER functions owned by `foundation_tenant_context`, the only role
 * (besides the table owner) that can read the keys, with search_path pinned. EXECUTE stays with
 * PUBLIC: the proof is what authorises, and only the key's holder can make one.
 * `foundation_tenant_context` reads `tenants` (id, status, deleted_at) through a policy of its own.
 *
 * Locks: CREATE POLICY takes a brief ACCESS EXCLUSIVE lock on tenants (catalog only); the
 * functions are replaced in place.
 */
export class VerifyTenantContext1754250081000 implements MigrationInterface {
  name = 'VerifyTenantContext1754250081000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`GRANT SELECT (id, status, deleted_at) ON tenants TO ${TENANT_CONTEXT_ROLE}`);
    await queryRunner.query(`DROP POLICY IF EXISTS pol_tenants_tenant_context ON tenants`);
    await queryRunner.query(`CREATE POLICY pol_tenants_tenant_context ON tenants FOR SELECT TO ${TENANT_CONTEXT_ROLE} USING (true)`);

    await queryRunner.query(currentTenantIdSql());
    await queryRunner.query(`COMMENT ON FUNCTION ${CURRENT_TENANT} IS 'Tenant of the context enter_tenant() set in this transaction on this backend, when its signature verifies; NULL otherwise (row-level security then shows no rows and rejects writes).'`);
    await queryRunner.query(currentTenantWritableSql());
    await queryRunner.query(`COMMENT ON FUNCTION ${WRITABLE} IS 'True, or raises 25006 when the verified context''s tenant is suspended, archived or soft-deleted; true without a context. Read by the restrictive write policies.'`);
    await queryRunner.query(enterTenantSql());
    await queryRunner.query(`COMMENT ON FUNCTION ${ENTER} IS 'Verifies a tenant proof (HMAC over tenant, backend, sequence, expiry) and sets this transaction''s tenant context; returns the tenant''s status (active, suspended, archived, deleted, unknown). Refusals are SQLSTATE 28000.'`);
    for (const signature of [CURRENT_TENANT, WRITABLE, ENTER]) {
      await queryRunner.query(transferFunctionOwnershipSql(signature, TENANT_CONTEXT_ROLE));
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${ENTER}`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${WRITABLE}`);
    // Back to EnableTenantIsolation1754250031000's definition, owned by the migrating role. The
    // function is replaced, not dropped: the isolation policies depend on it.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION current_tenant_id() RETURNS uuid
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$
    `);
    await queryRunner.query(`ALTER FUNCTION ${CURRENT_TENANT} OWNER TO CURRENT_USER`);
    await queryRunner.query(`
      COMMENT ON FUNCTION current_tenant_id() IS 'Tenant of the current transaction (setting app.tenant_id), or NULL when none is set: row-level security then shows no rows and rejects writes.'
    `);
    await queryRunner.query(`DROP POLICY IF EXISTS pol_tenants_tenant_context ON tenants`);
    await queryRunner.query(`REVOKE ALL ON tenants FROM ${TENANT_CONTEXT_ROLE}`);
  }
}
