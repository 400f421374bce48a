import { DataSource } from 'typeorm';
import { APP_ROLE_VARIABLE, roleToAssume } from './roles';
import type { WithTenantOptions } from './with-tenant';

export interface ResolvedLogin {
  tenantId: string;
  userId: string;
}

/**
 * Sign-in before any tenant is known: the tenants and users that an identity provider's
 * (issuer, subject) pair is linked to, through the database function `resolve_ciam_login`
 * (migration CreateLoginResolution), which reveals nothing else. Usually one; several when the
 * same identity is linked in several tenants (let the user choose); none when unknown. Then
 * open `withTenant(dataSource, tenantId, ...)` for the chosen one.
 */
export async function resolveLogin(
  dataSource: DataSource,
  issuer: string,
  subject: string,
  options: WithTenantOptions = {},
): Promise<ResolvedLogin[]> {
  const role = roleToAssume(options.appRole, APP_ROLE_VARIABLE);
  return dataSource.transaction(async (manager) => {
    if (role) await manager.query(`SET LOCAL ROLE ${role}`);
    const rows: { tenant_id: string; user_id: string }[] = await manager.query(
      `SELECT tenant_id, user_id FROM resolve_ciam_login($1, $2)`,
      [issuer, subject],
    );
    return rows.map((row) => ({ tenantId: row.tenant_id, userId: row.user_id }));
  });
}
