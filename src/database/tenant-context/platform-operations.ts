import { DataSource, EntityManager } from 'typeorm';
import type { CiamProviderKind, TenantStatus } from '../../entities';
import { DEFAULT_PLATFORM_ROLE, PLATFORM_ROLE_VARIABLE, roleToAssume } from './roles';

/** A CIAM system registered for a tenant by the platform, whose issuer other tenants may use too. */
export interface SharedCiamSystem {
  kind: CiamProviderKind;
  displayName: string;
  issuerUrl: string;
  jwksUrl?: string | null;
  clientId?: string | null;
  /** A secret-store reference (vault:, arn:aws:secretsmanager:, ...), never a secret. */
  clientSecretRef?: string | null;
}

export interface TenantSummary {
  id: string;
  name: string;
  slug: string;
  status: TenantStatus;
  createdAt: Date;
}

/**
 * The only operations that span tenants. Each calls one database function that runs as
 * `foundation_tenant_registry`; there is deliberately no query method here.
 */
export class PlatformOperations {
  constructor(private readonly manager: EntityManager) {}

  async registerTenant(name: string, slug: string): Promise<string> {
    const [row] = await this.manager.query(`SELECT platform_register_tenant($1, $2) AS id`, [name, slug]);
    return row.id;
  }

  async listTenants(): Promise<TenantSummary[]> {
    const rows: { id: string; name: string; slug: string; status: TenantStatus; created_at: Date }[] =
      await this.manager.query(`SELECT id, name, slug, status, created_at FROM platform_list_tenants()`);
    return rows.map(({ created_at, ...row }) => ({ ...row, createdAt: created_at }));
  }

  async setTenantStatus(tenantId: string, status: TenantStatus): Promise<void> {
    await this.manager.query(`SELECT platform_set_tenant_status($1, $2)`, [tenantId, status]);
  }

  /**
   * Registers an identity provider for a tenant whose issuer another tenant already uses (a
   * tenant's own INSERT of such an issuer is refused): the platform operator has checked that
   * the issuer really is shared (a public provider, or one organisation's provider serving two
   * tenants). Returns the new CIAM system's id.
   */
  async registerSharedCiamSystem(tenantId: string, system: SharedCiamSystem): Promise<string> {
    const [row] = await this.manager.query(
      `SELECT platform_register_shared_ciam_system($1, $2, $3, $4, $5, $6, $7) AS id`,
      [tenantId, system.kind, system.displayName, system.issuerUrl, system.jwksUrl ?? null, system.clientId ?? null, system.clientSecretRef ?? null],
    );
    return row.id;
  }
}

export interface WithPlatformRoleOptions {
  /**
   * Role to assume (`SET LOCAL ROLE`). Undefined: DATABASE_PLATFORM_ROLE, or `foundation_platform`.
   * `null`: do not switch (the login role inherits foundation_platform itself).
   */
  platformRole?: string | null;
  /**
   * Who is acting (an operator's e-mail, a job's name), recorded with each operation in the system
   * audit log (the transaction-local setting `app.actor`); the database login is recorded anyway.
   */
  actor?: string;
}

/**
 * Runs platform (cross-tenant) operations in one transaction as `foundation_platform`. The
 * login must have been granted that role; the application's usual login should not be. Each
 * operation is recorded in the system audit log by the database function that performs it.
 */
export async function withPlatformRole<T>(
  dataSource: DataSource,
  work: (operations: PlatformOperations) => Promise<T>,
  options: WithPlatformRoleOptions = {},
): Promise<T> {
  const role = roleToAssume(options.platformRole, PLATFORM_ROLE_VARIABLE, DEFAULT_PLATFORM_ROLE);
  return dataSource.transaction(async (manager) => {
    if (role) await manager.query(`SET LOCAL ROLE ${role}`);
    if (options.actor !== undefined) await manager.query(`SELECT set_config('app.actor', $1, true)`, [options.actor]);
    return work(new PlatformOperations(manager));
  });
}
