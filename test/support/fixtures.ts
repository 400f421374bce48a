import { DataSource } from 'typeorm';
import { Facility, Tenant, User } from '../../src/entities';
import { makeFacility, makeTenant, makeUser } from './factories';

/** Two tenants, each with a facility and a user: enough to probe tenant-inclusive references. */
export interface TwoTenants {
  tenantA: Tenant;
  tenantB: Tenant;
  facilityA: Facility;
  facilityB: Facility;
  userA: User;
  userB: User;
}

export async function seedTwoTenants(dataSource: DataSource): Promise<TwoTenants> {
  const manager = dataSource.manager;
  const [tenantA, tenantB] = await manager.save([makeTenant(), makeTenant()]);
  const [facilityA, facilityB] = await manager.save([makeFacility(tenantA!.id), makeFacility(tenantB!.id)]);
  const [userA, userB] = await manager.save([makeUser(tenantA!.id), makeUser(tenantB!.id)]);
  return { tenantA: tenantA!, tenantB: tenantB!, facilityA: facilityA!, facilityB: facilityB!, userA: userA!, userB: userB! };
}

/** Yesterday and the day after tomorrow in UTC: clear of any time-zone edge around "today". */
export function daysFromTodayUtc(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
