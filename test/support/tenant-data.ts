import { randomBytes } from 'node:crypto';

/** Runs SQL with parameters and returns the rows: a DataSource's, a manager's or a pg client's query. */
export type Query = (sql: string, parameters?: unknown[]) => Promise<any>;

/** Ids of rows another row of the same tenant can point at. */
export interface Parents {
  facilityId: string;
  userId: string;
  /** For tables that point at a CIAM system (absent until those tables exist). */
  ciamSystemId?: string;
  /** For the clinical tables (CreateSpecialists1754250041000 and after). */
  clientId?: string;
  specialistId?: string;
  formMetadataId?: string;
  placementRecordId?: string;
  contributionId?: string;
}

/**
 * How to write one valid row of each tenant-scoped table with an explicit tenant_id (so tests
 * can try another tenant's id), and a harmless update for each. Keyed by table, in the order
 * rows must be created (parents first): the tests check that every table with tenant_id has an
 * entry, so a new table must add one.
 */
export interface TableWriter {
  /** Inserts one valid row with this tenant_id, pointing at `parents`; returns its key. */
  insert(query: Query, tenantId: string, parents: Parents): Promise<string>;
  /**
   * SET clause that changes nothing a constraint cares about; null for a table the application
   * may not UPDATE or DELETE at all (append-only or read-only), where both fail with 42501.
   */
  touch: string | null;
  /** Column that tells rows apart within a tenant (default `id`). */
  key?: string;
  /** At most this many rows per tenant (for one-row-per-tenant tables). */
  maxRows?: number;
  /**
   * The row points at other tenant rows through tenant-inclusive foreign keys: inserting it with
   * this tenant's id and another tenant's parents must fail with 23503.
   */
  referencesParents?: boolean;
  /** The parents its row points at (none when absent): with none of one kind, it gets no rows. */
  needs?: (keyof Parents)[];
}

const unique = () => randomBytes(6).toString('hex');

/**
 * Bytes shaped like a field ciphertext (the envelope's format byte 1, key version 1, then
 * noise): enough for the encrypted columns' CHECKs. Tests of tenant isolation need rows, not
 * readable PHI; test/phi covers real encryption.
 */
export const fakeCiphertext = () => Buffer.concat([Buffer.from([1, 0, 0, 0, 1]), Buffer.from(`brng:${randomBytes(48).toString('base64url')}`)]);
const returningId = async (rows: Promise<{ id: string }[]>) => (await rows)[0]!.id;

export const TABLE_WRITERS: Record<string, TableWriter> = {
  users: {
    insert: (query, tenantId) =>
      returningId(
        query(
          `INSERT INTO users (tenant_id, email, first_name, last_name, role, status)
           VALUES ($1, $2, 'Ada', 'Lovelace', 'staff', 'active') RETURNING id`,
          [tenantId, `user-${unique()}@example.org`],
        ),
      ),
    touch: `last_login_at = now()`,
  },
  facilities: {
    insert: (query, tenantId) =>
      returningId(
        query(`INSERT INTO facilities (tenant_id, name, kind) VALUES ($1, $2, 'assisted_living') RETURNING id`, [
          tenantId,
          `Facility ${unique()}`,
        ]),
      ),
    touch: `capacity = capacity + 1`,
  },
  clients: {
    needs: ['facilityId'],
    insert: (query, tenantId, parents) =>
      returningId(
        query(
          `INSERT INTO clients (tenant_id, facility_id, first_name_encrypted, last_name_encrypted, date_of_birth_encrypted,
                                medical_record_number_encrypted, date_of_birth_bidx, medical_record_number_bidx, name_search_tokens)
           VALUES ($1, $2, $3, $3, $3, $3, $4, $5, '{1,2,3}') RETURNING id`,
          [tenantId, parents.facilityId, fakeCiphertext(), randomBytes(2), randomBytes(32)],
        ),
      ),
    touch: `status = 'waitlisted'`,
  },
  facility_staff: {
    needs: ['facilityId', 'userId'],
    // Ended assignments, so that any number of them may link the same facility and user.
    insert: (query, tenantId, parents) =>
      returningId(
        query(
          `INSERT INTO facility_staff (tenant_id, facility_id, user_id, role, started_on, ended_on)
           VALUES ($1, $2, $3, 'nurse', '2024-01-01', '2024-06-30') RETURNING id`,
          [tenantId, parents.facilityId, parents.userId],
        ),
      ),
    touch: `ended_on = '2024-07-31'`,
  },
  ciam_systems: {
    insert: (query, tenantId) =>
      returningId(
        query(
          `INSERT INTO ciam_systems (tenant_id, kind, display_name, issuer_url) VALUES ($1, 'oidc', 'IdP', $2) RETURNING id`,
          [tenantId, `https://idp-${unique()}.example.org/`],
        ),
      ),
    touch: `display_name = 'Renamed IdP'`,
  },
  user_ciam_mappings: {
    needs: ['userId', 'ciamSystemId'],
    // Unlinked at once, so that any number of them may name the same user.
    insert: (query, tenantId, parents) =>
      returningId(
        query(
          `INSERT INTO user_ciam_mappings (tenant_id, user_id, ciam_system_id, external_subject, unlinked_at)
           VALUES ($1, $2, $3, $4, now()) RETURNING id`,
          [tenantId, parents.userId, parents.ciamSystemId, `subject-${unique()}`],
        ),
      ),
    touch: `last_authenticated_at = now()`,
  },
  ciam_group_role_mappings: {
    needs: ['ciamSystemId'],
    insert: (query, tenantId, parents) =>
      returningId(
        query(
          `INSERT INTO ciam_group_role_mappings (tenant_id, ciam_system_id, claim_name, claim_value, role)
           VALUES ($1, $2, 'groups', $3, 'staff') RETURNING id`,
          [tenantId, parents.ciamSystemId, `group-${unique()}`],
        ),
      ),
    touch: `role = 'viewer'`,
  },
  specialists: {
    insert: (query, tenantId) =>
      returningId(
        query(`INSERT INTO specialists (tenant_id, full_name, specialty) VALUES ($1, $2, 'geriatrics') RETURNING id`, [
          tenantId,
          `Dr. ${unique()}`,
        ]),
      ),
    touch: `specialty = 'neurology'`,
  },
  form_metadata: {
    insert: (query, tenantId) =>
      returningId(
        query(`INSERT INTO form_metadata (tenant_id, form_key, version, title) VALUES ($1, $2, 1, 'Intake') RETURNING id`, [
          tenantId,
          `form_${unique()}`,
        ]),
      ),
    touch: `title = 'Renamed form'`,
  },
  placement_records: {
    needs: ['clientId', 'facilityId', 'formMetadataId'],
    // Cancelled, so that any number of them may name the same client.
    insert: (query, tenantId, parents) =>
      returningId(
        query(
          `INSERT INTO placement_records (tenant_id, client_id, facility_id, form_metadata_id, status, diagnoses_encrypted)
           VALUES ($1, $2, $3, $4, 'cancelled', $5) RETURNING id`,
          [tenantId, parents.clientId, parents.facilityId, parents.formMetadataId, fakeCiphertext()],
        ),
      ),
    touch: `care_level = 'assisted'`,
    referencesParents: true,
  },
  placement_record_specialists: {
    needs: ['placementRecordId', 'specialistId'],
    // Soft-deleted, so that any number of them may link the same record and specialist.
    insert: (query, tenantId, parents) =>
      returningId(
        query(
          `INSERT INTO placement_record_specialists (tenant_id, placement_record_id, specialist_id, deleted_at)
           VALUES ($1, $2, $3, now()) RETURNING id`,
          [tenantId, parents.placementRecordId, parents.specialistId],
        ),
      ),
    touch: `role = 'therapy'`,
    referencesParents: true,
  },
  medications: {
    needs: ['clientId', 'specialistId'],
    insert: (query, tenantId, parents) =>
      returningId(
        query(
          `INSERT INTO medications (tenant_id, client_id, prescriber_specialist_id, route, started_on,
                                    drug_name_encrypted, dose_encrypted, frequency_encrypted)
           VALUES ($1, $2, $3, 'oral', '2024-01-01', $4, $4, $4) RETURNING id`,
          [tenantId, parents.clientId, parents.specialistId, fakeCiphertext()],
        ),
      ),
    touch: `route = 'topical'`,
    referencesParents: true,
  },
  addresses: {
    needs: ['clientId'],
    insert: (query, tenantId, parents) =>
      returningId(
        query(
          `INSERT INTO addresses (tenant_id, client_id, line1_encrypted, city_encrypted) VALUES ($1, $2, $3, $3) RETURNING id`,
          [tenantId, parents.clientId, fakeCiphertext()],
        ),
      ),
    touch: `kind = 'mailing'`,
    referencesParents: true,
  },
  form_field_contributions: {
    needs: ['placementRecordId', 'formMetadataId'],
    insert: (query, tenantId, parents) =>
      returningId(
        query(
          `INSERT INTO form_field_contributions (tenant_id, placement_record_id, form_metadata_id, field_key, source)
           VALUES ($1, $2, $3, $4, 'staff_entry') RETURNING id`,
          [tenantId, parents.placementRecordId, parents.formMetadataId, `field_${unique()}`],
        ),
      ),
    touch: `source = 'import'`,
    referencesParents: true,
  },
  form_field_contributors: {
    needs: ['contributionId', 'userId'],
    // Soft-deleted, so that any number of them may name the same contribution and user.
    insert: (query, tenantId, parents) =>
      returningId(
        query(
          `INSERT INTO form_field_contributors (tenant_id, contribution_id, user_id, deleted_at) VALUES ($1, $2, $3, now()) RETURNING id`,
          [tenantId, parents.contributionId, parents.userId],
        ),
      ),
    touch: `role = 'reviewer'`,
    referencesParents: true,
  },
  user_action_audit_logs: {
    insert: (query, tenantId) =>
      returningId(
        query(`INSERT INTO user_action_audit_logs (tenant_id, action, entity_type) VALUES ($1, 'read', 'clients') RETURNING id`, [
          tenantId,
        ]),
      ),
    touch: null, // append-only: the application may only INSERT and SELECT
  },
  user_action_audit_log_chains: {
    // One head per tenant, made by the audit log's trigger; the application may only read it.
    insert: async (query, tenantId) => {
      await query(
        `INSERT INTO user_action_audit_log_chains (tenant_id, last_hash, anchor_hash)
         VALUES ($1, decode(repeat('00', 32), 'hex'), decode(repeat('00', 32), 'hex'))
         ON CONFLICT (tenant_id) DO NOTHING`,
        [tenantId],
      );
      return tenantId;
    },
    touch: null,
    key: 'tenant_id',
    maxRows: 1,
  },
};

/** Creates a tenant (as the owner or a superuser: the application role cannot) and returns its id. */
export async function createTenant(query: Query): Promise<string> {
  return returningId(
    query(`INSERT INTO tenants (name, slug) VALUES ($1, $2) RETURNING id`, [`Tenant ${unique()}`, `t-${unique()}`]),
  );
}

/** One tenant's parents: a facility and a user. */
export async function createParents(query: Query, tenantId: string): Promise<Parents> {
  const facilityId = await TABLE_WRITERS.facilities!.insert(query, tenantId, { facilityId: '', userId: '' });
  const userId = await TABLE_WRITERS.users!.insert(query, tenantId, { facilityId: '', userId: '' });
  return { facilityId, userId };
}

/** Keys of a tenant's rows, by table. */
export type Rows = Record<string, string[]>;

/**
 * Fills every table in TABLE_WRITERS for one tenant, parents first: `count` rows of each (capped
 * by the writer's maxRows, none when a parent it needs has none), each child pointing at parents chosen by `choose` among the rows
 * made so far. Returns the keys of the rows made.
 */
export async function seedTenantRows(
  query: Query,
  tenantId: string,
  count: (table: string, position: number) => number,
  choose: (candidates: string[]) => string = (candidates) => candidates[0]!,
): Promise<Rows> {
  const rows: Rows = {};
  for (const [position, [table, writer]] of Object.entries(TABLE_WRITERS).entries()) {
    rows[table] = [];
    const parentsMissing = writer.needs?.some((kind) => !parentsOf(rows)[kind]) ?? false;
    const wanted = parentsMissing ? 0 : Math.min(count(table, position), writer.maxRows ?? Infinity);
    for (let i = 0; i < wanted; i++) rows[table]!.push(await writer.insert(query, tenantId, parentsOf(rows, choose)));
  }
  return rows;
}

/** Parents for a new row among the rows made so far: `choose` picks one of each kind. */
export function parentsOf(rows: Rows, choose: (candidates: string[]) => string = (candidates) => candidates[0]!): Parents {
  const pick = (list: string[] | undefined) => (list?.length ? choose(list) : '');
  return {
    facilityId: pick(rows.facilities),
    userId: pick(rows.users),
    ciamSystemId: pick(rows.ciam_systems),
    clientId: pick(rows.clients),
    specialistId: pick(rows.specialists),
    formMetadataId: pick(rows.form_metadata),
    placementRecordId: pick(rows.placement_records),
    contributionId: pick(rows.form_field_contributions),
  };
}
