import { DataSource, EntityManager } from 'typeorm';
import { TenantContextError, UnknownTenantError } from './errors';
import { APP_ROLE_VARIABLE, roleToAssume } from './roles';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface WithTenantOptions {
  /**
   * Role to assume for the transaction (`SET LOCAL ROLE`), normally `foundation_app`. Undefined:
   * the DATABASE_APP_ROLE environment variable, or none. `null`: never switch (the login role
   * itself is subject to row-level security, for example because it inherits foundation_app).
   */
  appRole?: string | null;
}

/**
 * Runs `work` inside one transaction on behalf of one tenant, and returns its result.
 *
 * In order: BEGIN; `SET LOCAL ROLE <app role>` when one is configured; `SET LOCAL
 * app.tenant_id`, the transaction-local setting which every row-level security policy reads; a check that the
 * tenant exists and is live (visible to itself through `pol_tenants_own_row`) and that the
 * effective role is subject to row-level security at all. Then `work` gets this transaction's
 * EntityManager; COMMIT when it resolves, ROLLBACK when it throws. The setting and the role end
 * with the transaction, so a pooled connection carries nothing over to its next user.
 *
 * Throws TenantContextError for a malformed id or a role that bypasses row-level security
 * (a superuser or BYPASSRLS role would see every tenant) or holds a role with a cross-tenant
 * policy of its own (the function owners, which the migrator is a member of), and
 * UnknownTenantError for an unknown one.
 *
 * What the database cannot catch, and the caller must not do: run a query through anything
 * other than `manager` inside `work` (the outer `dataSource`, a repository obtained from it, or
 * `manager.connection`). Such a query runs on another pooled connection, outside this
 * transaction and without the tenant: row-level security then shows it no rows and rejects its
 * writes, so it fails closed, but it is still a bug. Using `manager` after `work` has resolved
 * (a promise left running) fails with TypeORM's "query runner already released" error.
 */
export async function withTenant<T>(
  dataSource: DataSource,
  tenantId: string,
  work: (manager: EntityManager) => Promise<T>,
  options: WithTenantOptions = {},
): Promise<T> {
  if (typeof tenantId !== 'string' || !UUID.test(tenantId)) {
    throw new TenantContextError(`Tenant id must be a UUID, got ${JSON.stringify(tenantId)}`);
  }
  const role = roleToAssume(options.appRole, APP_ROLE_VARIABLE);
  return dataSource.transaction(async (manager) => {
    if (role) await manager.query(`SET LOCAL ROLE ${role}`);
    // SET LOCAL rather than set_config(..., true): the same transaction-local setting, but a
    // utility statement, which Citus forwards to its workers (citus.propagate_set_commands =
    // 'local'); a function call is not forwarded. The id was checked against UUID just above,
    // so it is safe to write as a literal.
    await manager.query(`SET LOCAL app.tenant_id = '${tenantId.toLowerCase()}'`);
    // Besides superusers and BYPASSRLS, a role that holds one of the function-owning roles
    // (every role-specific policy of ours belongs to one, and each reads across tenants) would
    // see other tenants' rows: the migrator keeps those memberships, so refuse it too.
    const [check] = await manager.query(
      `SELECT EXISTS (SELECT 1 FROM tenants WHERE id = $1 AND deleted_at IS NULL) AS known,
              (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) AS bypasses,
              (SELECT string_agg(DISTINCT r.rolname, ', ' ORDER BY r.rolname)
                 FROM pg_policy p CROSS JOIN LATERAL unnest(p.polroles) AS granted(oid)
                 JOIN pg_roles r ON r.oid = granted.oid
                WHERE p.polrelid IN (SELECT oid FROM pg_class WHERE relnamespace = current_schema()::regnamespace)
                  AND pg_has_role(current_user, r.oid, 'USAGE')) AS cross_tenant_roles`,
      [tenantId],
    );
    if (check.bypasses) {
      throw new TenantContextError(
        'The database role in effect bypasses row-level security (superuser or BYPASSRLS); ' +
          `connect as a login granted foundation_app, or set ${APP_ROLE_VARIABLE}=foundation_app`,
      );
    }
    if (check.cross_tenant_roles) {
      throw new TenantContextError(
        `The database role in effect holds ${check.cross_tenant_roles}, whose policies read across tenants ` +
          `(the migrating role keeps them); connect as a login granted only foundation_app, or set ${APP_ROLE_VARIABLE}=foundation_app`,
      );
    }
    if (!check.known) throw new UnknownTenantError(tenantId);
    return work(manager);
  });
}
