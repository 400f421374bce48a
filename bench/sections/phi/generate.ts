import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { disableTenantIsolationV1, enableTenantIsolationV1 } from '../../../src/migrations/support/tenant-table-v1';
import { inTenantAsOwner, PhiKeyring, sealClientIdentity, sealFields } from '../../../src/phi';
import { progressBar } from '../../lib/progress';
import { msSince, round } from '../../lib/stats';
import { BenchScale, Figure } from '../../lib/types';

/** Plaintext of one placement record's four encrypted fields, of realistic lengths. */
export function clinicalText(n: number): Record<'diagnoses' | 'careNeeds' | 'preferences' | 'fundingDetails', string> {
  return {
    diagnoses: `Type 2 diabetes mellitus with neuropathy; mild cognitive impairment; hypertension (record ${n})`,
    careNeeds: `Help with bathing and dressing; insulin twice daily; night checks every 2 hours; walker (${n})`,
    preferences: `Vegetarian meals, Spanish-speaking staff, ground-floor room near the garden, visits on Sundays (${n})`,
    fundingDetails: `Medicaid member MCD-${String(448812 + n).padStart(8, '0')}, authorisation 2025-${n % 1000}`,
  };
}

/** The plaintext twin of placement_records' encrypted columns, for the ratio against plaintext reads. */
export const PLAIN_TABLE = 'bench_placement_plaintext';

export interface PhiData {
  figures: Figure[];
  /** Tenants whose PHI is real ciphertext (the rest hold noise of the right shape). */
  realTenants: string[];
}

/**
 * The phi section's data set: tenants, facilities (10 per tenant), clients and one placement
 * record per client, spread like the scale section's. For `realTenants` tenants the clients'
 * identities and the placement records' four clinical fields are real ciphertexts under the
 * tenant's own key (made through src/phi, batch by batch); every other row holds
 * ciphertext-shaped noise, which the timed reads never touch. Plus a plaintext twin of
 * placement_records (same rows, the four fields as text), under the same row-level security.
 */
export async function generatePhiData(owner: DataSource, keyring: PhiKeyring, scale: BenchScale, realTenantCount: number): Promise<PhiData> {
  const figures: Figure[] = [];
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = process.hrtime.bigint();
    const result = await work();
    figures.push({ name, value: round(msSince(started) / 1000, 2), unit: 's' });
    return result;
  };
  const facilitiesPerTenant = 10;
  const clientsPerFacility = Math.max(1, Math.round(scale.clients / (scale.tenants * facilitiesPerTenant)));
  await owner.query(`INSERT INTO tenants (name, slug) SELECT 'Phi bench ' || g, 'phi-' || g FROM generate_series(1, $1) g`, [scale.tenants]);
  await owner.query(
    `INSERT INTO facilities (tenant_id, name, kind, capacity)
     SELECT t.id, 'Facility ' || f, 'assisted_living', 200 FROM tenants t CROSS JOIN generate_series(1, $1) f WHERE t.slug LIKE 'phi-%'`,
    [facilitiesPerTenant],
  );
  const tenants: { id: string }[] = await owner.query(`SELECT id FROM tenants WHERE slug LIKE 'phi-%' ORDER BY substr(slug, 5)::int`);
  const realTenants = tenants.slice(0, realTenantCount).map((t) => t.id);
  const real = new Set(realTenants);

  await timed(`generate ${(tenants.length - realTenants.length) * facilitiesPerTenant * clientsPerFacility} clients and placement records with noise ciphertexts`, async () => {
    for (const { id: tenant } of tenants.filter((t) => !real.has(t.id))) {
      await inTenantAsOwner(owner, tenant, async (manager) => {
        await manager.query(
          `INSERT INTO clients (tenant_id, id, facility_id, first_name_encrypted, last_name_encrypted, date_of_birth_encrypted,
                                medical_record_number_encrypted, date_of_birth_bidx, medical_record_number_bidx, status)
           SELECT $1, gen_random_uuid(), f.id, e, e, e, e, substring(b FROM 1 FOR 2), b, 'admitted'
             FROM facilities f CROSS JOIN generate_series(1, $2) c
             CROSS JOIN LATERAL (SELECT decode('0100000001', 'hex') || convert_to('brng:' || md5(f.id::text || c) || md5(c || f.id::text), 'UTF8') AS e,
                                        decode(md5('m' || f.id || c) || md5('n' || f.id || c), 'hex') AS b) noise
            WHERE f.tenant_id = $1`,
          [tenant, clientsPerFacility],
        );
        await manager.query(
          `INSERT INTO placement_records (tenant_id, id, client_id, facility_id, status, care_level, funding_source, placed_on,
                                          diagnoses_encrypted, care_needs_encrypted, preferences_encrypted, funding_details_encrypted)
           SELECT c.tenant_id, gen_random_uuid(), c.id, c.facility_id, 'placed', 'assisted', 'medicaid', DATE '2025-01-06', e, e, e, e
             FROM clients c
             CROSS JOIN LATERAL (SELECT decode('0100000001', 'hex') || convert_to('brng:' || md5(c.id::text) || md5(md5(c.id::text)) || md5(c.id::text || 'x'), 'UTF8') AS e) noise
            WHERE c.tenant_id = $1`,
          [tenant],
        );
      });
    }
  });

  await timed(`generate ${realTenants.length * facilitiesPerTenant * clientsPerFacility} clients and placement records with real ciphertexts (${realTenants.length} tenants)`, async () => {
    const bar = progressBar('phi: encrypting real tenants', realTenants.length * facilitiesPerTenant);
    let n = 0;
    for (const tenant of realTenants) {
      const facilities: { id: string }[] = await owner.query(`SELECT id FROM facilities WHERE tenant_id = $1 ORDER BY id`, [tenant]);
      for (const facility of facilities) {
        await inTenantAsOwner(owner, tenant, async (manager) => {
          const cipher = await keyring.forTenantAsOwner((sql, parameters) => manager.query(sql, parameters), tenant);
          for (let c = 0; c < clientsPerFacility; c++, n++) {
            const clientId = randomUUID();
            const recordId = randomUUID();
            const identity = await sealClientIdentity(cipher, clientId, {
              firstName: `Maria${n % 97}`,
              lastName: `Gonzalez${n}`,
              dateOfBirth: `19${30 + (n % 60)}-0${1 + (n % 9)}-1${n % 10}`,
              medicalRecordNumber: `PHI-${n}`,
            });
            await manager.query(
              `INSERT INTO clients (tenant_id, id, facility_id, first_name_encrypted, last_name_encrypted, date_of_birth_encrypted,
                                    medical_record_number_encrypted, date_of_birth_bidx, medical_record_number_bidx, name_search_tokens, status)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'admitted')`,
              [tenant, clientId, facility.id, identity.firstNameEncrypted, identity.lastNameEncrypted, identity.dateOfBirthEncrypted,
                identity.medicalRecordNumberEncrypted, identity.dateOfBirthBidx, identity.medicalRecordNumberBidx, identity.nameSearchTokens],
            );
            const sealed = await sealFields(cipher, 'placement_records', recordId, clinicalText(n));
            await manager.query(
              `INSERT INTO placement_records (tenant_id, id, client_id, facility_id, status, care_level, funding_source, placed_on,
                                              diagnoses_encrypted, care_needs_encrypted, preferences_encrypted, funding_details_encrypted)
               VALUES ($1, $2, $3, $4, 'placed', 'assisted', 'medicaid', DATE '2025-01-06', $5, $6, $7, $8)`,
              [tenant, recordId, clientId, facility.id, sealed.diagnosesEncrypted, sealed.careNeedsEncrypted, sealed.preferencesEncrypted, sealed.fundingDetailsEncrypted],
            );
          }
        });
        bar.tick();
      }
    }
    bar.stop();
  });

  await timed(`copy placement records into the plaintext twin ${PLAIN_TABLE}`, async () => {
    await owner.query(`DROP TABLE IF EXISTS ${PLAIN_TABLE}`);
    await owner.query(
      `CREATE TABLE ${PLAIN_TABLE} (
         tenant_id uuid NOT NULL, id uuid NOT NULL, client_id uuid NOT NULL, facility_id uuid, status placement_status_enum NOT NULL,
         care_level care_level_enum, funding_source funding_source_enum, placed_on date, deleted_at timestamptz,
         diagnoses text, care_needs text, preferences text, funding_details text,
         PRIMARY KEY (tenant_id, id))`,
    );
    // The same row-level security, policy and grants as a real tenant table, through the same helper.
    for (const sql of enableTenantIsolationV1(PLAIN_TABLE, 'SELECT')) await owner.query(sql);
    const sample = clinicalText(123456);
    await owner.query(
      `INSERT INTO ${PLAIN_TABLE} SELECT tenant_id, id, client_id, facility_id, status, care_level, funding_source, placed_on, deleted_at, $1, $2, $3, $4
         FROM placement_records`,
      [sample.diagnoses, sample.careNeeds, sample.preferences, sample.fundingDetails],
    );
    await owner.query(`CREATE INDEX ON ${PLAIN_TABLE} (tenant_id, facility_id)`);
  });
  await owner.query(`ANALYZE`);
  return { figures, realTenants };
}

/** Removes the twin's grants and policy before the database is dropped (the role is cluster-wide). */
export async function dropPlainTwin(owner: DataSource): Promise<void> {
  for (const sql of disableTenantIsolationV1(PLAIN_TABLE, 'SELECT')) await owner.query(sql).catch(() => undefined);
}
