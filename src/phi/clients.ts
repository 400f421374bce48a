import { IsOptional, Matches } from 'class-validator';
import { EntityManager, In, IsNull } from 'typeorm';
import { Client } from '../entities/client.entity';
import { IsDateOnlyFromUntilToday } from '../entities/validation/date-rules';
import { EARLIEST_DATE_OF_BIRTH, MEDICAL_RECORD_NUMBER_PATTERN } from '../entities/validation/patterns';
import { HasTrimmedLength } from '../entities/validation/text-rules';
import { PhiInputError } from './errors';
import { FieldRef, checkedUuid } from './field-ref';
import { BLIND_INDEXES } from './fields';
import { nameMatch } from './name-search';
import { TenantCipher } from './tenant-cipher';
import { assertValidInput } from './validate-input';

const field = (column: string): FieldRef => ({ table: 'clients', column });
const FIRST_NAME = field('first_name');
const LAST_NAME = field('last_name');
const PREFERRED_NAME = field('preferred_name');
const DATE_OF_BIRTH = field('date_of_birth');
const MEDICAL_RECORD_NUMBER = field('medical_record_number');

/**
 * A client's identity in plaintext, with the rules the plaintext columns' CHECKs enforced
 * before the move into ciphertexts (CreateClients1754250023000): the database can no longer see
 * these values, so these rules are checked here, before encrypting.
 */
export class ClientIdentity {
  @HasTrimmedLength(1, 100)
  firstName: string;

  @HasTrimmedLength(1, 100)
  lastName: string;

  @IsOptional()
  @HasTrimmedLength(1, 100)
  preferredName?: string | null;

  @IsDateOnlyFromUntilToday(EARLIEST_DATE_OF_BIRTH)
  dateOfBirth: string;

  @Matches(MEDICAL_RECORD_NUMBER_PATTERN, {
    message: 'medicalRecordNumber must be 1 to 64 letters, digits or hyphens, starting with a letter or digit',
  })
  medicalRecordNumber: string;

  constructor(values: ClientIdentityValues) {
    this.firstName = values.firstName;
    this.lastName = values.lastName;
    this.preferredName = values.preferredName ?? null;
    this.dateOfBirth = values.dateOfBirth;
    this.medicalRecordNumber = values.medicalRecordNumber;
  }
}

export interface ClientIdentityValues {
  firstName: string;
  lastName: string;
  preferredName?: string | null;
  dateOfBirth: string;
  medicalRecordNumber: string;
}

/** The columns of `clients` that hold the identity, as stored. */
export type SealedClientIdentity = Pick<
  Client,
  | 'firstNameEncrypted'
  | 'lastNameEncrypted'
  | 'preferredNameEncrypted'
  | 'dateOfBirthEncrypted'
  | 'medicalRecordNumberEncrypted'
  | 'dateOfBirthBidx'
  | 'medicalRecordNumberBidx'
  | 'nameSearchTokens'
>;

/**
 * Checks a client's identity and encrypts it for row `clientId` of the cipher's tenant: the five
 * ciphertexts, both blind indexes and the name search tokens. Assign the result to a Client
 * whose `id` is `clientId` (choose it with randomUUID() before inserting: the id is bound into
 * each ciphertext).
 */
export async function sealClientIdentity(cipher: TenantCipher, clientId: string, values: ClientIdentityValues): Promise<SealedClientIdentity> {
  const identity = new ClientIdentity(values);
  await assertValidInput(identity, 'client');
  const id = checkedUuid(clientId, 'client id');
  return {
    firstNameEncrypted: await cipher.encrypt(FIRST_NAME, id, identity.firstName),
    lastNameEncrypted: await cipher.encrypt(LAST_NAME, id, identity.lastName),
    preferredNameEncrypted: await cipher.encryptOptional(PREFERRED_NAME, id, identity.preferredName),
    dateOfBirthEncrypted: await cipher.encrypt(DATE_OF_BIRTH, id, identity.dateOfBirth),
    medicalRecordNumberEncrypted: await cipher.encrypt(MEDICAL_RECORD_NUMBER, id, identity.medicalRecordNumber),
    dateOfBirthBidx: await cipher.blindIndex(BLIND_INDEXES.dateOfBirth, identity.dateOfBirth),
    medicalRecordNumberBidx: await cipher.blindIndex(BLIND_INDEXES.medicalRecordNumber, identity.medicalRecordNumber),
    nameSearchTokens: await cipher.nameTokens(identity.firstName, identity.lastName, identity.preferredName),
  };
}

/** Decrypts a stored client's identity (PhiDecryptionError if any value does not belong to this row). */
export async function openClientIdentity(cipher: TenantCipher, client: SealedClientIdentity & { id: string }): Promise<ClientIdentityValues> {
  return {
    firstName: await cipher.decrypt(FIRST_NAME, client.id, client.firstNameEncrypted),
    lastName: await cipher.decrypt(LAST_NAME, client.id, client.lastNameEncrypted),
    preferredName: await cipher.decryptOptional(PREFERRED_NAME, client.id, client.preferredNameEncrypted),
    dateOfBirth: await cipher.decrypt(DATE_OF_BIRTH, client.id, client.dateOfBirthEncrypted),
    medicalRecordNumber: await cipher.decrypt(MEDICAL_RECORD_NUMBER, client.id, client.medicalRecordNumberEncrypted),
  };
}

/**
 * The tenant's live client with this medical record number, or none: one indexed lookup on
 * `(tenant_id, medical_record_number_bidx)` (bytea equality is LEAKPROOF, so it stays an index
 * condition under row-level security), confirmed by decrypting the number.
 */
export async function findClientsByMedicalRecordNumber(manager: EntityManager, cipher: TenantCipher, medicalRecordNumber: string): Promise<Client[]> {
  const indexes = await cipher.lookupBlindIndexes(BLIND_INDEXES.medicalRecordNumber, medicalRecordNumber);
  const candidates = await manager.find(Client, { where: { medicalRecordNumberBidx: In(indexes), deletedAt: IsNull() } });
  return confirm(candidates, async (client) => (await cipher.decrypt(MEDICAL_RECORD_NUMBER, client.id, client.medicalRecordNumberEncrypted)) === medicalRecordNumber);
}

/**
 * The tenant's live clients born on `dateOfBirth` (YYYY-MM-DD): the 12-bit blind index narrows
 * to a bucket of dates, and decryption keeps exactly the matching clients.
 */
export async function findClientsByDateOfBirth(manager: EntityManager, cipher: TenantCipher, dateOfBirth: string): Promise<Client[]> {
  const indexes = await cipher.lookupBlindIndexes(BLIND_INDEXES.dateOfBirth, dateOfBirth);
  const candidates = await manager.find(Client, { where: { dateOfBirthBidx: In(indexes), deletedAt: IsNull() }, order: { id: 'ASC' } });
  return confirm(candidates, async (client) => (await cipher.decrypt(DATE_OF_BIRTH, client.id, client.dateOfBirthEncrypted)) === dateOfBirth);
}

async function confirm(candidates: Client[], matches: (client: Client) => Promise<boolean>): Promise<Client[]> {
  const found: Client[] = [];
  for (const client of candidates) if (await matches(client)) found.push(client);
  return found;
}

export interface ClientSearchHit {
  clientId: string;
  /** Decrypted "first last", for display. */
  fullName: string;
  /** Trigram similarity between the full name and the query, 0 to 1 (pg_trgm's similarity()). */
  score: number;
}

/** Longest search query accepted, in characters. */
export const MAX_SEARCH_QUERY_LENGTH = 100;
/** Candidates fetched from the database per hit asked for, before ranking on the decrypted names. */
const CANDIDATES_PER_HIT = 5;

/**
 * Name search among the current tenant's live clients, best match first: a name containing the
 * query, or trigram-similar to it (pg_trgm's threshold, 0.3), case- and accent-insensitive.
 *
 * The database only sees keyed tokens: the query's trigrams are hashed with the tenant's
 * name-search key, `search_clients_by_name_tokens()` returns the clients sharing the most
 * tokens (an indexed GIN lookup), and their names are decrypted and ranked here. Use the
 * manager `withTenant` gives you. Refuses an empty query or one longer than 100 characters
 * (PhiInputError), and a limit outside 1 to 200.
 */
export async function searchClients(manager: EntityManager, cipher: TenantCipher, query: string, limit = 20): Promise<ClientSearchHit[]> {
  if (typeof query !== 'string' || query.trim() === '') throw new PhiInputError('searchClients.query', ['must not be empty']);
  if ([...query].length > MAX_SEARCH_QUERY_LENGTH) {
    throw new PhiInputError('searchClients.query', [`must be at most ${MAX_SEARCH_QUERY_LENGTH} characters long, got ${[...query].length}`]);
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new PhiInputError('searchClients.limit', ['must be an integer from 1 to 200']);
  const tokens = await cipher.lookupNameTokens(query);
  if (tokens.length === 0) throw new PhiInputError('searchClients.query', ['must contain a letter or digit']);
  const rows: { client_id: string }[] = await manager.query(`SELECT client_id FROM search_clients_by_name_tokens($1::integer[], $2)`, [
    tokens,
    Math.min(limit * CANDIDATES_PER_HIT, 1000),
  ]);
  if (rows.length === 0) return [];
  const clients = await manager.find(Client, { where: { id: In(rows.map((row) => row.client_id)), deletedAt: IsNull() } });
  const hits: ClientSearchHit[] = [];
  for (const client of clients) {
    const first = await cipher.decrypt(FIRST_NAME, client.id, client.firstNameEncrypted);
    const last = await cipher.decrypt(LAST_NAME, client.id, client.lastNameEncrypted);
    const preferred = await cipher.decryptOptional(PREFERRED_NAME, client.id, client.preferredNameEncrypted);
    const fullName = `${first} ${last}`;
    const candidates = [nameMatch(fullName, query), ...(preferred ? [nameMatch(`${preferred} ${last}`, query)] : [])];
    if (candidates.some((candidate) => candidate.matches)) {
      hits.push({ clientId: client.id, fullName, score: Math.max(...candidates.map((candidate) => candidate.similarity)) });
    }
  }
  hits.sort((a, b) => b.score - a.score || a.fullName.localeCompare(b.fullName) || a.clientId.localeCompare(b.clientId));
  return hits.slice(0, limit);
}
