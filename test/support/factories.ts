import { randomBytes, randomUUID } from 'node:crypto';
import {
  Address,
  CiamGroupRoleMapping,
  CiamSystem,
  Client,
  Facility,
  FacilityStaff,
  FormFieldContribution,
  FormFieldContributor,
  FormMetadata,
  Medication,
  PhiDataKey,
  PlacementRecord,
  PlacementRecordSpecialist,
  Specialist,
  Tenant,
  User,
  UserCiamMapping,
} from '../../src/entities';
import { fakeCiphertext } from './tenant-data';

/**
 * Valid, unsaved entities with unique values, for tests to change one property at a time.
 * They are class instances (not plain objects) so that class-validator sees their rules.
 */
let sequence = 0;
const next = () => `${process.pid}-${++sequence}`;

export function makeTenant(overrides: Partial<Tenant> = {}): Tenant {
  return Object.assign(new Tenant(), { name: `Tenant ${next()}`, slug: `tenant-${next()}`, settings: {} }, overrides);
}

export function makeUser(tenantId: string, overrides: Partial<User> = {}): User {
  return Object.assign(
    new User(),
    {
      tenantId,
      email: `user-${next()}@example.org`,
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: null,
      role: 'staff',
      status: 'active',
    },
    overrides,
  );
}

export function makeFacility(tenantId: string, overrides: Partial<Facility> = {}): Facility {
  return Object.assign(
    new Facility(),
    {
      tenantId,
      name: `Facility ${next()}`,
      kind: 'assisted_living',
      licenceNumber: null,
      phone: null,
      addressLine1: null,
      addressLine2: null,
      city: null,
      region: null,
      postalCode: null,
      countryCode: 'US',
      timeZone: 'America/Chicago',
      capacity: 20,
      status: 'active',
    },
    overrides,
  );
}

/**
 * A client with ciphertext-shaped identity columns (noise, not real encryption) and random
 * blind indexes: enough for the database's rules. Tests of encryption use src/phi instead.
 */
export function makeClient(tenantId: string, overrides: Partial<Client> = {}): Client {
  return Object.assign(
    new Client(),
    {
      tenantId,
      facilityId: null,
      firstNameEncrypted: fakeCiphertext(),
      lastNameEncrypted: fakeCiphertext(),
      preferredNameEncrypted: null,
      dateOfBirthEncrypted: fakeCiphertext(),
      medicalRecordNumberEncrypted: fakeCiphertext(),
      dateOfBirthBidx: randomBytes(2),
      medicalRecordNumberBidx: randomBytes(32),
      nameSearchTokens: [1, 2, 3],
      status: 'referred',
      admittedOn: null,
      dischargedOn: null,
    },
    overrides,
  );
}

export function makeSpecialist(tenantId: string, overrides: Partial<Specialist> = {}): Specialist {
  return Object.assign(
    new Specialist(),
    { tenantId, fullName: `Dr. Ana Ruiz ${next()}`, specialty: 'geriatrics', organisation: null, npi: null, phone: null, email: null },
    overrides,
  );
}

export function makeFormMetadata(tenantId: string, overrides: Partial<FormMetadata> = {}): FormMetadata {
  return Object.assign(
    new FormMetadata(),
    {
      tenantId,
      formKey: `placement_intake_${next().replace('-', '_')}`,
      version: 1,
      title: 'Placement intake',
      fields: [{ key: 'diagnoses', label: 'Diagnoses', type: 'text' }],
      publishedAt: null,
      retiredAt: null,
    },
    overrides,
  );
}

export function makePlacementRecord(tenantId: string, clientId: string, overrides: Partial<PlacementRecord> = {}): PlacementRecord {
  return Object.assign(
    new PlacementRecord(),
    {
      tenantId,
      clientId,
      facilityId: null,
      formMetadataId: null,
      status: 'draft',
      careLevel: null,
      fundingSource: null,
      referredOn: null,
      placedOn: null,
      endedOn: null,
      diagnosesEncrypted: fakeCiphertext(),
      careNeedsEncrypted: null,
      preferencesEncrypted: null,
      fundingDetailsEncrypted: null,
    },
    overrides,
  );
}

export function makePlacementRecordSpecialist(
  tenantId: string,
  placementRecordId: string,
  specialistId: string,
  overrides: Partial<PlacementRecordSpecialist> = {},
): PlacementRecordSpecialist {
  return Object.assign(new PlacementRecordSpecialist(), { tenantId, placementRecordId, specialistId, role: 'consulting' }, overrides);
}

export function makeMedication(tenantId: string, clientId: string, overrides: Partial<Medication> = {}): Medication {
  return Object.assign(
    new Medication(),
    {
      tenantId,
      clientId,
      prescriberSpecialistId: null,
      route: 'oral',
      startedOn: '2024-01-01',
      endedOn: null,
      drugNameEncrypted: fakeCiphertext(),
      doseEncrypted: fakeCiphertext(),
      frequencyEncrypted: fakeCiphertext(),
      instructionsEncrypted: null,
      prescriberNameEncrypted: null,
    },
    overrides,
  );
}

export function makeAddress(tenantId: string, owner: Partial<Pick<Address, 'facilityId' | 'clientId' | 'specialistId'>>, overrides: Partial<Address> = {}): Address {
  return Object.assign(
    new Address(),
    {
      tenantId,
      facilityId: null,
      clientId: null,
      specialistId: null,
      ...owner,
      kind: 'home',
      isPrimary: false,
      line1Encrypted: fakeCiphertext(),
      line2Encrypted: null,
      cityEncrypted: fakeCiphertext(),
      postalCodeEncrypted: null,
      region: 'IL',
      countryCode: 'US',
      validFrom: null,
      validTo: null,
    },
    overrides,
  );
}

export function makeFormFieldContribution(
  tenantId: string,
  placementRecordId: string,
  overrides: Partial<FormFieldContribution> = {},
): FormFieldContribution {
  return Object.assign(
    new FormFieldContribution(),
    {
      tenantId,
      placementRecordId,
      formMetadataId: null,
      fieldKey: 'diagnoses',
      source: 'staff_entry',
      contributedAt: new Date('2025-01-06T10:00:00Z'),
      supersededAt: null,
    },
    overrides,
  );
}

export function makeFormFieldContributor(
  tenantId: string,
  contributionId: string,
  contributor: Partial<Pick<FormFieldContributor, 'userId' | 'specialistId'>>,
  overrides: Partial<FormFieldContributor> = {},
): FormFieldContributor {
  return Object.assign(
    new FormFieldContributor(),
    { tenantId, contributionId, userId: null, specialistId: null, ...contributor, role: 'author' },
    overrides,
  );
}

export function makePhiDataKey(subjectTenantId: string, overrides: Partial<PhiDataKey> = {}): PhiDataKey {
  return Object.assign(
    new PhiDataKey(),
    { subjectTenantId, keyVersion: 1, state: 'active', kekId: `local:${subjectTenantId}`, wrappedKey: randomBytes(96), retiredAt: null, destroyedAt: null },
    overrides,
  );
}

export function makeFacilityStaff(
  tenantId: string,
  facilityId: string,
  userId: string,
  overrides: Partial<FacilityStaff> = {},
): FacilityStaff {
  return Object.assign(
    new FacilityStaff(),
    { tenantId, facilityId, userId, role: 'nurse', startedOn: '2024-01-01', endedOn: null },
    overrides,
  );
}

export function makeCiamSystem(tenantId: string, overrides: Partial<CiamSystem> = {}): CiamSystem {
  return Object.assign(
    new CiamSystem(),
    {
      tenantId,
      kind: 'oidc',
      displayName: 'Staff sign-in',
      issuerUrl: `https://login.example.org/${next()}`,
      jwksUrl: null,
      clientId: 'foundation-web',
      clientSecretRef: 'vault:secret/data/ciam/foundation-web',
      configuration: {},
      isActive: true,
    },
    overrides,
  );
}

export function makeUserCiamMapping(
  tenantId: string,
  userId: string,
  ciamSystemId: string,
  overrides: Partial<UserCiamMapping> = {},
): UserCiamMapping {
  return Object.assign(
    new UserCiamMapping(),
    {
      tenantId,
      userId,
      ciamSystemId,
      externalSubject: `subject-${next()}`,
      linkedAt: new Date('2024-01-01T00:00:00Z'),
      lastAuthenticatedAt: null,
      unlinkedAt: null,
    },
    overrides,
  );
}

export function makeCiamGroupRoleMapping(
  tenantId: string,
  ciamSystemId: string,
  overrides: Partial<CiamGroupRoleMapping> = {},
): CiamGroupRoleMapping {
  return Object.assign(
    new CiamGroupRoleMapping(),
    { tenantId, ciamSystemId, claimName: 'groups', claimValue: `group-${next()}`, role: 'staff' },
    overrides,
  );
}

export const unknownId = () => randomUUID();
