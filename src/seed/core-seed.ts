import { CLIENT_STATUSES, ClientStatus, FACILITY_ROLES, USER_ROLES } from '../entities/enums';
import { ClientIdentityValues, sealClientIdentity } from '../phi/clients';
import { TenantCipher } from '../phi/tenant-cipher';
import { seedId } from './seed-id';
import { SeedTenant } from './seed-tenants';
import { SeedWriter } from './seed-writer';

/**
 * The identity of the tenant's seeded client in `status`: fixed values, so the data is the same
 * on every machine (only the ciphertexts differ, being randomised; rows are inserted once).
 */
export function seededClientIdentity(tenant: SeedTenant, status: ClientStatus): ClientIdentityValues {
  const index = CLIENT_STATUSES.indexOf(status);
  return {
    firstName: CLIENT_FIRST_NAMES[index % CLIENT_FIRST_NAMES.length]!,
    lastName: `${titleCase(status)}son`,
    preferredName: status === 'admitted' ? `${CLIENT_FIRST_NAMES[index % CLIENT_FIRST_NAMES.length]}ie` : null,
    dateOfBirth: `19${40 + index}-0${(index % 9) + 1}-1${index}`,
    medicalRecordNumber: `${tenant.slug.toUpperCase().slice(0, 4)}-${String(index + 1).padStart(4, '0')}`,
  };
}

/**
 * The core tables of one tenant: two facilities, a user of every role, a client in every
 * status (its identity encrypted with the tenant's key), and staff assignments (one of them
 * ended, kept as history). Every value is fixed, so the data is the same on every machine.
 */
export async function seedCoreTables(writer: SeedWriter, tenant: SeedTenant, cipher: TenantCipher): Promise<void> {
  const id = (key: string) => seedId(`${tenant.slug}:${key}`);
  const facilities = [
    { key: 'facility:main', name: `${tenant.name} Main House`, kind: 'assisted_living', capacity: 40, phone: '+15555550100' },
    { key: 'facility:memory', name: `${tenant.name} Memory Care`, kind: 'memory_care', capacity: 18, phone: null },
  ];
  await writer.insert('facilities', facilities.map((f) => ({
    tenant_id: tenant.id, id: id(f.key), name: f.name, kind: f.kind, phone: f.phone, capacity: f.capacity,
    city: 'Springfield', region: 'IL', postal_code: '62701', country_code: 'US', time_zone: 'America/Chicago',
  })));

  await writer.insert('users', USER_ROLES.map((role) => ({
    tenant_id: tenant.id,
    id: id(`user:${role}`),
    email: `${role.replace(/_/g, '.')}@${tenant.slug}.example.org`,
    first_name: titleCase(role.split('_')[0]!),
    last_name: tenant.name.split(' ')[0],
    role,
    status: 'active',
  })));

  const clients = [];
  for (const status of CLIENT_STATUSES) {
    const clientId = id(`client:${status}`);
    const sealed = await sealClientIdentity(cipher, clientId, seededClientIdentity(tenant, status));
    clients.push({
      tenant_id: tenant.id,
      id: clientId,
      facility_id: placedStatuses.includes(status) ? id('facility:main') : null,
      first_name_encrypted: sealed.firstNameEncrypted,
      last_name_encrypted: sealed.lastNameEncrypted,
      preferred_name_encrypted: sealed.preferredNameEncrypted,
      date_of_birth_encrypted: sealed.dateOfBirthEncrypted,
      medical_record_number_encrypted: sealed.medicalRecordNumberEncrypted,
      date_of_birth_bidx: sealed.dateOfBirthBidx,
      medical_record_number_bidx: sealed.medicalRecordNumberBidx,
      name_search_tokens: sealed.nameSearchTokens,
      status,
      admitted_on: status === 'admitted' || status === 'discharged' ? '2025-01-06' : null,
      discharged_on: status === 'discharged' ? '2025-03-28' : null,
    });
  }
  await writer.insert('clients', clients);

  const staff = [
    { user: 'facility_manager', facility: 'facility:main', role: FACILITY_ROLES[0], startedOn: '2024-09-01', endedOn: null },
    { user: 'staff', facility: 'facility:main', role: 'nurse', startedOn: '2024-10-01', endedOn: null },
    { user: 'staff', facility: 'facility:memory', role: 'caregiver', startedOn: '2024-02-01', endedOn: '2024-09-30' },
    { user: 'viewer', facility: 'facility:memory', role: 'support', startedOn: '2025-01-15', endedOn: null },
  ];
  await writer.insert('facility_staff', staff.map((s) => ({
    tenant_id: tenant.id,
    id: id(`staff:${s.user}:${s.facility}:${s.startedOn}`),
    facility_id: id(s.facility),
    user_id: id(`user:${s.user}`),
    role: s.role,
    started_on: s.startedOn,
    ended_on: s.endedOn,
  })));
}

const placedStatuses: ClientStatus[] = ['waitlisted', 'admitted', 'discharged'];
const CLIENT_FIRST_NAMES = ['Ada', 'Grace', 'Edsger', 'Barbara', 'Alan'];

function titleCase(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
