import { DataSource } from 'typeorm';
import { Client, Facility, FormFieldContribution, FormMetadata, PlacementRecord, Specialist, Tenant, User } from '../../src/entities';
import {
  makeClient,
  makeFacility,
  makeFormFieldContribution,
  makeFormMetadata,
  makePlacementRecord,
  makeSpecialist,
  makeTenant,
  makeUser,
} from './factories';

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

/** Per tenant, one row of each clinical table a child row points at. */
export interface ClinicalSide {
  client: Client;
  specialist: Specialist;
  form: FormMetadata;
  placement: PlacementRecord;
  contribution: FormFieldContribution;
}

/** Two tenants (seedTwoTenants) with a client, specialist, form, placement record and field contribution each. */
export async function seedClinicalWorld(dataSource: DataSource): Promise<TwoTenants & { a: ClinicalSide; b: ClinicalSide }> {
  const world = await seedTwoTenants(dataSource);
  const side = async (tenantId: string): Promise<ClinicalSide> => {
    const manager = dataSource.manager;
    const client = await manager.save(makeClient(tenantId));
    const specialist = await manager.save(makeSpecialist(tenantId));
    const form = await manager.save(makeFormMetadata(tenantId));
    const placement = await manager.save(makePlacementRecord(tenantId, client.id, { status: 'cancelled', formMetadataId: form.id }));
    const contribution = await manager.save(makeFormFieldContribution(tenantId, placement.id, { formMetadataId: form.id }));
    return { client, specialist, form, placement, contribution };
  };
  return { ...world, a: await side(world.tenantA.id), b: await side(world.tenantB.id) };
}
