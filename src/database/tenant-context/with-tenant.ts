import { DataSource, EntityManager } from 'typeorm';
import { TenantContextKey } from './context-key';
import { isRoleChecked, markRoleChecked, PgConnection } from './connection';
import { enterTenant } from './enter-tenant';
import { TenantContextError, UnknownTenantError } from './errors';
import { APP_ROLE_VARIABLE, roleNameToAssume } from './roles';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface WithTenantOptions {
  /**
   * Role to assume for the transaction (`SET LOCAL ROLE`), normally `foundation_app`. Undefined:
   * the DATABASE_APP_ROLE environment variable, or none. `null`: never switch (the login role
   * itself is subject to row-level security, for example because it inherits foundation_app).
   */
  appRole?: string | null;
  /**
   * The key that signs the tenant proof. Undefined: the one set with useTenantContextKey(), else
   * FOUNDATION_TENANT_CONTEXT_KEY, else (not in production) the development key file.
   */
  contextKey?: TenantContextKey;
  /** How long the proof is valid (ms, at most 60,000); 30,000 by default. */
  proofLifetimeMs?: number;
}

/**
 * Runs `work` inside one transaction on behalf of one tenant, and returns its result.
 *
 * After BEGIN, one statement: pin the connection's search_path to `public, pg_temp`, assume the
 * application role when one is configured (`set_config('role', ..., true)`, i.e. SET LOCAL ROLE),
 * and `enter_tenant(<proof>)`. The proof is an HMAC, made with the application's tenant-context
 * key, over the tenant, this connection's backend pid, a sequence number used once per
 * connection and a 30-second expiry; the database verifies it and sets a signed context bound to
 * this transaction, which every row-level security policy reads (`current_tenant_id()`). SQL run
 * inside `work`, whatever it is, cannot switch to another tenant: it has no key to sign with.
 *
 * The first time a connection runs as a given role, one more query checks that role: no
 * superuser, no BYPASSRLS (either would see every tenant), and no membership in a role with a
 * cross-tenant policy of its own (the function owners, which the migrator belongs to). The answer
 * is kept for the connection's life. Then `work` gets the transaction's EntityManager; COMMIT when
 * it resolves, ROLLBACK when it throws. The context and the role end with the transaction, so a
 * pooled connection carries nothing over to its next user.
 *
 * A tenant that does not exist or is soft-deleted is refused; a suspended or archived one is
 * entered read-only: the database refuses its writes (SQLSTATE 25006) and allows its reads.
 *
 * Throws TenantContextError for a malformed id, an unsafe role or a missing key,
 * TenantProofRejectedError when the database refuses the proof (wrong key, clocks far apart),
 * and UnknownTenantError for a tenant that does not exist or is soft-deleted.
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
  const role = roleNameToAssume(options.appRole, APP_ROLE_VARIABLE);
  return dataSource.transaction(async (manager) => {
    const entered = await enterTenant(manager, tenantId.toLowerCase(), {
      key: options.contextKey,
      role,
      proofLifetimeMs: options.proofLifetimeMs,
    });
    if (!isRoleChecked(entered.connection, entered.roleInEffect)) {
      await checkRoleIsBoundByIsolation(entered.connection);
      markRoleChecked(entered.connection, entered.roleInEffect);
    }
    if (entered.status === 'unknown' || entered.status === 'deleted') throw new UnknownTenantError(tenantId);
    return work(manager);
  });
}

/**
 * Besides superusers and BYPASSRLS, a role that holds one of the function-owning roles (every
 * role-specific policy of ours belongs to one, and each reads across tenants) would see other
 * tenants' rows: the migrator keeps those memberships, so it is refused too.
 */
async function checkRoleIsBoundByIsolation(connection: PgConnection): Promise<void> {
  const { rows } = await connection.query(
    `SELECT (SELECT rolsuper OR rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = current_user) AS bypasses,
            (SELECT string_agg(DISTINCT r.rolname, ', ' ORDER BY r.rolname)
               FROM pg_catalog.pg_policy p CROSS JOIN LATERAL unnest(p.polroles) AS granted(oid)
               JOIN pg_catalog.pg_roles r ON r.oid = granted.oid
              WHERE p.polrelid IN (SELECT oid FROM pg_catalog.pg_class WHERE relnamespace = 'public'::regnamespace)
                AND pg_catalog.pg_has_role(current_user, r.oid, 'USAGE')) AS cross_tenant_roles`,
  );
  const check = rows[0]!;
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
}
