import { sealFields } from '../phi/records';
import { TenantCipher } from '../phi/tenant-cipher';
import { seedId } from './seed-id';
import { SeedTenant } from './seed-tenants';
import { SeedWriter } from './seed-writer';

/** The PHI the clinical seed encrypts, per tenant: what must never appear in clear in a dump. */
export function seededClinicalPhi(tenant: SeedTenant) {
  const short = tenant.name.split(' ')[0]!;
  return {
    admitted: {
      diagnoses: `Type 2 diabetes mellitus; moderate Alzheimer disease (${short} intake)`,
      careNeeds: 'Help with bathing and dressing; insulin twice daily; wanders at night',
      preferences: 'Vegetarian meals; Spanish-speaking staff; Mass on Sundays',
      fundingDetails: `Medicaid member ${short.toUpperCase()}-MCD-448812, authorisation 2025-0117`,
    },
    discharged: {
      diagnoses: 'Hip fracture after a fall, healing; osteoporosis',
      careNeeds: 'Physiotherapy three times a week; walker',
      preferences: 'Early breakfast; a room near the garden',
      fundingDetails: 'Medicare Part A, skilled nursing benefit days 1-60',
    },
    waitlisted: {
      diagnoses: 'Parkinson disease, stage 2',
      careNeeds: 'Medication reminders; fall precautions',
      preferences: 'Keeps a cat; prefers a ground-floor room',
      fundingDetails: 'Private pay; long-term care policy LTC-77-0192 pending',
    },
    medications: [
      { key: 'metformin', drugName: 'Metformin 500 mg tablet', dose: '1 tablet', frequency: 'Twice daily with meals', instructions: 'Check blood glucose before breakfast', prescriberName: null },
      { key: 'donepezil', drugName: 'Donepezil 5 mg tablet', dose: '1 tablet', frequency: 'Once daily at bedtime', instructions: null, prescriberName: null },
      { key: 'insulin', drugName: 'Insulin glargine 100 units/mL', dose: '12 units', frequency: 'Once daily at 21:00', instructions: 'Rotate injection sites', prescriberName: 'Dr. Priya Natarajan' },
    ],
    homeAddress: { line1: `1428 Elm Street, ${short} district`, line2: 'Apartment 3B', city: 'Shelbyville', postalCode: '62565' },
  };
}

/**
 * The clinical tables of one tenant: two specialists, two versions of the
 * placement intake form, placement records for the waitlisted, admitted and discharged clients
 * (their clinical fields encrypted), the admitted client's specialists and medications, client,
 * facility and specialist addresses, and the provenance of the admitted record's fields.
 */
export async function seedClinicalTables(writer: SeedWriter, tenant: SeedTenant, cipher: TenantCipher): Promise<void> {
  const id = (key: string) => seedId(`${tenant.slug}:${key}`);
  const phi = seededClinicalPhi(tenant);

  await writer.insert('specialists', [
    { tenant_id: tenant.id, id: id('specialist:geriatrician'), full_name: 'Dr. Ana Ruiz', specialty: 'geriatrics', organisation: 'Springfield Memory Clinic', npi: tenant.slug === 'acme-care' ? '1234567893' : '1234567901', phone: '+15555550142', email: 'ana.ruiz@memory-clinic.example.org' },
    { tenant_id: tenant.id, id: id('specialist:physio'), full_name: 'Sam Okafor', specialty: 'physical therapy', organisation: 'Okafor Physio', npi: null, phone: null, email: null },
  ]);

  const fields = JSON.stringify([
    { key: 'diagnoses', label: 'Diagnoses', type: 'text' },
    { key: 'care_needs', label: 'Care needs', type: 'text' },
    { key: 'preferences', label: 'Preferences', type: 'text' },
    { key: 'funding_details', label: 'Funding details', type: 'text' },
  ]);
  await writer.insert('form_metadata', [
    { tenant_id: tenant.id, id: id('form:intake:1'), form_key: 'placement_intake', version: 1, title: 'Placement intake', fields, published_at: '2024-06-01T00:00:00Z', retired_at: '2025-01-01T00:00:00Z' },
    { tenant_id: tenant.id, id: id('form:intake:2'), form_key: 'placement_intake', version: 2, title: 'Placement intake', fields, published_at: '2025-01-01T00:00:00Z', retired_at: null },
  ]);

  const records = [
    { client: 'admitted', status: 'placed', careLevel: 'memory_care', funding: 'medicaid', referredOn: '2024-12-02', placedOn: '2025-01-06', endedOn: null },
    { client: 'discharged', status: 'ended', careLevel: 'skilled_nursing', funding: 'medicare', referredOn: '2024-12-20', placedOn: '2025-01-06', endedOn: '2025-03-28' },
    { client: 'waitlisted', status: 'referred', careLevel: 'assisted', funding: 'private_pay', referredOn: '2025-02-14', placedOn: null, endedOn: null },
  ] as const;
  const recordRows = [];
  for (const record of records) {
    const recordId = id(`placement:${record.client}`);
    const sealed = await sealFields(cipher, 'placement_records', recordId, phi[record.client]);
    recordRows.push({
      tenant_id: tenant.id,
      id: recordId,
      client_id: id(`client:${record.client}`),
      facility_id: id('facility:main'),
      form_metadata_id: id('form:intake:2'),
      status: record.status,
      care_level: record.careLevel,
      funding_source: record.funding,
      referred_on: record.referredOn,
      placed_on: record.placedOn,
      ended_on: record.endedOn,
      diagnoses_encrypted: sealed.diagnosesEncrypted,
      care_needs_encrypted: sealed.careNeedsEncrypted,
      preferences_encrypted: sealed.preferencesEncrypted,
      funding_details_encrypted: sealed.fundingDetailsEncrypted,
    });
  }
  await writer.insert('placement_records', recordRows);

  await writer.insert('placement_record_specialists', [
    { tenant_id: tenant.id, id: id('placement:admitted:geriatrician'), placement_record_id: id('placement:admitted'), specialist_id: id('specialist:geriatrician'), role: 'primary_care' },
    { tenant_id: tenant.id, id: id('placement:admitted:physio'), placement_record_id: id('placement:admitted'), specialist_id: id('specialist:physio'), role: 'therapy' },
  ]);

  const medicationRows = [];
  for (const [index, medication] of phi.medications.entries()) {
    const medicationId = id(`medication:admitted:${medication.key}`);
    const { key: _key, ...values } = medication;
    const sealed = await sealFields(cipher, 'medications', medicationId, values);
    medicationRows.push({
      tenant_id: tenant.id,
      id: medicationId,
      client_id: id('client:admitted'),
      prescriber_specialist_id: medication.prescriberName ? null : id('specialist:geriatrician'),
      route: medication.key === 'insulin' ? 'subcutaneous' : 'oral',
      started_on: '2025-01-06',
      ended_on: index === 1 ? '2025-02-28' : null,
      drug_name_encrypted: sealed.drugNameEncrypted,
      dose_encrypted: sealed.doseEncrypted,
      frequency_encrypted: sealed.frequencyEncrypted,
      instructions_encrypted: sealed.instructionsEncrypted,
      prescriber_name_encrypted: sealed.prescriberNameEncrypted,
    });
  }
  await writer.insert('medications', medicationRows);

  const addresses = [
    { key: 'address:client:admitted', owner: { client_id: id('client:admitted') }, kind: 'previous', primary: false, values: phi.homeAddress },
    { key: 'address:client:referred', owner: { client_id: id('client:referred') }, kind: 'home', primary: true, values: { ...phi.homeAddress, line1: `77 Birch Road, ${tenant.name.split(' ')[0]} estate`, line2: null } },
    { key: 'address:facility:main', owner: { facility_id: id('facility:main') }, kind: 'mailing', primary: true, values: { line1: 'PO Box 1001', line2: null, city: 'Springfield', postalCode: '62701' } },
    { key: 'address:specialist:geriatrician', owner: { specialist_id: id('specialist:geriatrician') }, kind: 'work', primary: true, values: { line1: '300 Clinic Way', line2: 'Suite 210', city: 'Springfield', postalCode: '62702' } },
  ];
  const addressRows = [];
  for (const address of addresses) {
    const addressId = id(address.key);
    const sealed = await sealFields(cipher, 'addresses', addressId, address.values);
    addressRows.push({
      tenant_id: tenant.id,
      id: addressId,
      ...address.owner,
      kind: address.kind,
      is_primary: address.primary,
      line1_encrypted: sealed.line1Encrypted,
      line2_encrypted: sealed.line2Encrypted,
      city_encrypted: sealed.cityEncrypted,
      postal_code_encrypted: sealed.postalCodeEncrypted,
      region: 'IL',
      country_code: 'US',
    });
  }
  await writer.insert('addresses', addressRows);

  await writer.insert('form_field_contributions', [
    { tenant_id: tenant.id, id: id('contribution:admitted:diagnoses'), placement_record_id: id('placement:admitted'), form_metadata_id: id('form:intake:2'), field_key: 'diagnoses', source: 'specialist_report', contributed_at: '2025-01-03T15:00:00Z', superseded_at: null },
    { tenant_id: tenant.id, id: id('contribution:admitted:care_needs:1'), placement_record_id: id('placement:admitted'), form_metadata_id: id('form:intake:1'), field_key: 'care_needs', source: 'family_member', contributed_at: '2024-12-02T10:00:00Z', superseded_at: '2025-01-05T09:00:00Z' },
    { tenant_id: tenant.id, id: id('contribution:admitted:care_needs:2'), placement_record_id: id('placement:admitted'), form_metadata_id: id('form:intake:2'), field_key: 'care_needs', source: 'staff_entry', contributed_at: '2025-01-05T09:00:00Z', superseded_at: null },
  ]);
  await writer.insert('form_field_contributors', [
    { tenant_id: tenant.id, id: id('contributor:diagnoses:geriatrician'), contribution_id: id('contribution:admitted:diagnoses'), specialist_id: id('specialist:geriatrician'), role: 'author' },
    { tenant_id: tenant.id, id: id('contributor:diagnoses:staff'), contribution_id: id('contribution:admitted:diagnoses'), user_id: id('user:staff'), role: 'reviewer' },
    { tenant_id: tenant.id, id: id('contributor:care_needs:staff'), contribution_id: id('contribution:admitted:care_needs:2'), user_id: id('user:staff'), role: 'author' },
    { tenant_id: tenant.id, id: id('contributor:care_needs:manager'), contribution_id: id('contribution:admitted:care_needs:2'), user_id: id('user:facility_manager'), role: 'verifier' },
  ]);
}
