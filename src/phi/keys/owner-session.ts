import { DataSource, EntityManager } from 'typeorm';
import { enterTenant } from '../../database/tenant-context/enter-tenant';
import { checkedUuid } from '../field-ref';

/**
 * Runs `work` in one transaction of the key store's owner (the role that migrates), with
 * `tenantId` entered with a proof signed by the application's tenant-context key (see
 * docs/tenancy.md): forced row-level security shows the owner that tenant's rows and no other. The key commands (rotation, backfill) work tenant by tenant through this;
 * `withTenant` refuses the owner on purpose (its memberships read across tenants).
 */
export async function inTenantAsOwner<T>(dataSource: DataSource, tenantId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  const tenant = checkedUuid(tenantId, 'tenant id');
  return dataSource.transaction(async (manager) => {
    await enterTenant(manager, tenant);
    return work(manager);
  });
}

/** Every live tenant, through phi_list_tenants() (forced row-level security hides tenants from the owner). */
export async function listTenants(dataSource: DataSource): Promise<string[]> {
  const rows: { tenant_id: string }[] = await dataSource.query(`SELECT phi_list_tenants() AS tenant_id`);
  return rows.map((row) => row.tenant_id);
}
