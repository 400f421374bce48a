import { DataSource } from 'typeorm';
import { openClientIdentity, sealClientIdentity } from '../clients';
import { PhiError } from '../errors';
import { checkedUuid } from '../field-ref';
import { PhiKeyring } from '../keyring';
import { inTenantAsOwner, listTenants } from './owner-session';

export interface BackfillOptions {
  /** Only these tenants; default every live tenant. */
  tenants?: string[];
  /** Rows per batch (one short transaction each); default 500. */
  batchSize?: number;
  /** The reverse: write the plaintext back from the ciphertexts (before reverting AddEncryptedClientColumns). */
  decrypt?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: { tenantId: string; moved: number }) => void;
}

export interface BackfillReport {
  /** Clients moved (into ciphertexts, or back to plaintext with `decrypt`), per tenant. */
  moved: Record<string, number>;
  /** Set when there was nothing to do, and why. */
  nothingToDo?: string;
  completed: boolean;
}

const PLAINTEXT = ['first_name', 'last_name', 'preferred_name', 'date_of_birth', 'medical_record_number'];

/**
 * The backfill between AddEncryptedClientColumns1754250049000 (expand) and
 * DropPlaintextClientColumns1754250084000 (contract), which a migration cannot do because it
 * never holds keys: encrypts each client's plaintext identity into the new columns (ciphertexts,
 * blind indexes, name tokens) and clears the plaintext in the same UPDATE, in batches of short
 * transactions per tenant, in keyset order. Interrupted, it simply continues next time (it
 * picks the rows that still hold plaintext). A row changed meanwhile is skipped by that batch
 * and taken by the next run. With `decrypt`, the reverse, for going back before the expand step.
 *
 * Runs as the owner (the migrating role). After the contract step has dropped the plaintext
 * columns there is nothing to do, and it says so.
 */
export async function backfillClientIdentity(dataSource: DataSource, keyring: PhiKeyring, options: BackfillOptions = {}): Promise<BackfillReport> {
  const [{ present }] = await dataSource.query(
    `SELECT count(*)::int AS present FROM pg_attribute
     WHERE attrelid = 'clients'::regclass AND attname = ANY ($1) AND NOT attisdropped`,
    [PLAINTEXT],
  );
  if (present === 0) {
    if (options.decrypt) {
      throw new PhiError('phi:backfill --decrypt: clients has no plaintext columns; revert DropPlaintextClientColumns1754250084000 first, which brings them back');
    }
    return { moved: {}, nothingToDo: 'the plaintext columns are already dropped (DropPlaintextClientColumns1754250084000 has run)', completed: true };
  }
  const tenants = options.tenants?.map((tenant) => checkedUuid(tenant, 'tenant id')) ?? (await listTenants(dataSource));
  const batchSize = options.batchSize ?? 500;
  const moved: Record<string, number> = {};
  for (const tenant of tenants) {
    moved[tenant] = 0;
    let last = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      if (options.signal?.aborted) return { moved, completed: false };
      const batch = await inTenantAsOwner(dataSource, tenant, (manager) =>
        options.decrypt ? decryptBatch(manager, keyring, tenant, last, batchSize) : encryptBatch(manager, keyring, tenant, last, batchSize),
      );
      if (batch.count === 0) break;
      last = batch.lastId!;
      moved[tenant] += batch.moved;
      options.onProgress?.({ tenantId: tenant, moved: moved[tenant]! });
    }
  }
  return { moved, completed: true };
}

type Manager = Parameters<Parameters<typeof inTenantAsOwner>[2]>[0];

async function encryptBatch(manager: Manager, keyring: PhiKeyring, tenant: string, last: string, batchSize: number) {
  const rows: { id: string; first_name: string | null; last_name: string | null; preferred_name: string | null; date_of_birth: string | null; medical_record_number: string | null }[] =
    await manager.query(
      `SELECT id, first_name, last_name, preferred_name, to_char(date_of_birth, 'YYYY-MM-DD') AS date_of_birth, medical_record_number
       FROM clients
       WHERE tenant_id = $1 AND id > $2
         AND (first_name IS NOT NULL OR last_name IS NOT NULL OR preferred_name IS NOT NULL OR date_of_birth IS NOT NULL OR medical_record_number IS NOT NULL)
       ORDER BY id LIMIT $3`,
      [tenant, last, batchSize],
    );
  if (rows.length === 0) return { count: 0, moved: 0 };
  const cipher = await keyring.forTenantAsOwner((sql, parameters) => manager.query(sql, parameters), tenant);
  let moved = 0;
  for (const row of rows) {
    if (row.first_name === null || row.last_name === null || row.date_of_birth === null || row.medical_record_number === null) {
      throw new PhiError(`phi:backfill: client ${row.id} of tenant ${tenant} has only part of its identity in plaintext; fix that row first`);
    }
    const sealed = await sealClientIdentity(cipher, row.id, {
      firstName: row.first_name,
      lastName: row.last_name,
      preferredName: row.preferred_name,
      dateOfBirth: row.date_of_birth,
      medicalRecordNumber: row.medical_record_number,
    });
    const [, updated] = await manager.query(
      `UPDATE clients SET first_name_encrypted = $3, last_name_encrypted = $4, preferred_name_encrypted = $5,
              date_of_birth_encrypted = $6, medical_record_number_encrypted = $7, date_of_birth_bidx = $8,
              medical_record_number_bidx = $9, name_search_tokens = $10,
              first_name = NULL, last_name = NULL, preferred_name = NULL, date_of_birth = NULL, medical_record_number = NULL
       WHERE tenant_id = $1 AND id = $2 AND first_name = $11 AND last_name = $12 AND preferred_name IS NOT DISTINCT FROM $13
         AND date_of_birth = $14::date AND medical_record_number = $15`,
      [
        tenant, row.id, sealed.firstNameEncrypted, sealed.lastNameEncrypted, sealed.preferredNameEncrypted,
        sealed.dateOfBirthEncrypted, sealed.medicalRecordNumberEncrypted, sealed.dateOfBirthBidx,
        sealed.medicalRecordNumberBidx, sealed.nameSearchTokens,
        row.first_name, row.last_name, row.preferred_name, row.date_of_birth, row.medical_record_number,
      ],
    );
    moved += updated;
  }
  return { count: rows.length, lastId: rows.at(-1)!.id, moved };
}

async function decryptBatch(manager: Manager, keyring: PhiKeyring, tenant: string, last: string, batchSize: number) {
  const rows = await manager.query(
    `SELECT id, first_name_encrypted, last_name_encrypted, preferred_name_encrypted, date_of_birth_encrypted,
            medical_record_number_encrypted, date_of_birth_bidx, medical_record_number_bidx, name_search_tokens
     FROM clients WHERE tenant_id = $1 AND id > $2 AND first_name IS NULL AND first_name_encrypted IS NOT NULL
     ORDER BY id LIMIT $3`,
    [tenant, last, batchSize],
  );
  if (rows.length === 0) return { count: 0, moved: 0 };
  const cipher = await keyring.forTenantAsOwner((sql, parameters) => manager.query(sql, parameters), tenant, { createIfMissing: false });
  let moved = 0;
  for (const row of rows) {
    const identity = await openClientIdentity(cipher, {
      id: row.id,
      firstNameEncrypted: row.first_name_encrypted,
      lastNameEncrypted: row.last_name_encrypted,
      preferredNameEncrypted: row.preferred_name_encrypted,
      dateOfBirthEncrypted: row.date_of_birth_encrypted,
      medicalRecordNumberEncrypted: row.medical_record_number_encrypted,
      dateOfBirthBidx: row.date_of_birth_bidx,
      medicalRecordNumberBidx: row.medical_record_number_bidx,
      nameSearchTokens: row.name_search_tokens,
    });
    const [, updated] = await manager.query(
      `UPDATE clients SET first_name = $3, last_name = $4, preferred_name = $5, date_of_birth = $6::date, medical_record_number = $7
       WHERE tenant_id = $1 AND id = $2 AND first_name IS NULL`,
      [tenant, row.id, identity.firstName, identity.lastName, identity.preferredName, identity.dateOfBirth, identity.medicalRecordNumber],
    );
    moved += updated;
  }
  return { count: rows.length, lastId: rows.at(-1)!.id as string, moved };
}
