import { randomUUID } from 'node:crypto';
import {
  CiamGroupRoleMapping,
  CiamSystem,
  Client,
  Facility,
  FacilityStaff,
  Tenant,
  User,
  UserCiamMapping,
} from '../../src/entities';

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

export function makeClient(tenantId: string, overrides: Partial<Client> = {}): Client {
  return Object.assign(
    new Client(),
    {
      tenantId,
      facilityId: null,
      firstName: 'Grace',
      lastName: 'Hopper',
      preferredName: null,
      dateOfBirth: '1940-12-09',
      medicalRecordNumber: `MRN-${next()}`,
      status: 'referred',
      admittedOn: null,
      dischargedOn: null,
    },
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
