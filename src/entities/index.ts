import { Address } from './address.entity';
import { CiamGroupRoleMapping } from './ciam-group-role-mapping.entity';
import { CiamSystem } from './ciam-system.entity';
import { Client } from './client.entity';
import { Facility } from './facility.entity';
import { FacilityStaff } from './facility-staff.entity';
import { SystemAuditLog } from './system-audit-log.entity';
import { SystemAuditLogChain } from './system-audit-log-chain.entity';
import { FormFieldContribution } from './form-field-contribution.entity';
import { FormFieldContributor } from './form-field-contributor.entity';
import { FormMetadata } from './form-metadata.entity';
import { Medication } from './medication.entity';
import { PhiDataKey } from './phi-data-key.entity';
import { PlacementRecord } from './placement-record.entity';
import { PlacementRecordSpecialist } from './placement-record-specialist.entity';
import { Specialist } from './specialist.entity';
import { Tenant } from './tenant.entity';
import { TenantContextKey } from './tenant-context-key.entity';
import { User } from './user.entity';
import { UserActionAuditLog } from './user-action-audit-log.entity';
import { UserActionAuditLogChain } from './user-action-audit-log-chain.entity';
import { UserCiamMapping } from './user-ciam-mapping.entity';

export {
  Address,
  CiamGroupRoleMapping,
  CiamSystem,
  Client,
  Facility,
  FacilityStaff,
  SystemAuditLog,
  SystemAuditLogChain,
  FormFieldContribution,
  FormFieldContributor,
  FormMetadata,
  Medication,
  PhiDataKey,
  PlacementRecord,
  PlacementRecordSpecialist,
  Specialist,
  Tenant,
  TenantContextKey,
  User,
  UserActionAuditLog,
  UserActionAuditLogChain,
  UserCiamMapping,
};
export * from './enums';
export type { FormFieldDefinition } from './form-metadata.entity';

/** Every entity, for the DataSource. A table without an entity here is invisible to TypeORM's diff. */
export const ENTITIES = [
  Tenant,
  User,
  Facility,
  Client,
  FacilityStaff,
  UserActionAuditLog,
  UserActionAuditLogChain,
  CiamSystem,
  UserCiamMapping,
  CiamGroupRoleMapping,
  TenantContextKey,
  SystemAuditLog,
  SystemAuditLogChain,
  PhiDataKey,
  Specialist,
  FormMetadata,
  PlacementRecord,
  PlacementRecordSpecialist,
  Medication,
  Address,
  FormFieldContribution,
  FormFieldContributor,
];
