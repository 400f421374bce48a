import { Client } from './client.entity';
import { Facility } from './facility.entity';
import { FacilityStaff } from './facility-staff.entity';
import { Tenant } from './tenant.entity';
import { User } from './user.entity';

export { Client, Facility, FacilityStaff, Tenant, User };
export * from './enums';

/** Every entity, for the DataSource. A table without an entity here is invisible to TypeORM's diff. */
export const ENTITIES = [Tenant, User, Facility, Client, FacilityStaff];
