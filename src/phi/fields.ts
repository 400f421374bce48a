import { FieldRef } from './field-ref';

/**
 * Every encrypted field, by table: the logical column names (the database column is
 * `<column>_encrypted`, the entity property its camelCase form plus `Encrypted`). Key rotation,
 * the leak checks in the tests and docs/encryption.md read this list, so a new encrypted column
 * is added here too.
 */
export const PHI_FIELDS = {
  clients: ['first_name', 'last_name', 'preferred_name', 'date_of_birth', 'medical_record_number'],
  placement_records: ['diagnoses', 'care_needs', 'preferences', 'funding_details'],
  medications: ['drug_name', 'dose', 'frequency', 'instructions', 'prescriber_name'],
  addresses: ['line1', 'line2', 'city', 'postal_code'],
} as const;

export type PhiTable = keyof typeof PHI_FIELDS;
export type PhiColumn<T extends PhiTable> = (typeof PHI_FIELDS)[T][number];

export const PHI_TABLES = Object.keys(PHI_FIELDS) as PhiTable[];

/** The database column holding a field's ciphertext. */
export const encryptedColumn = (column: string) => `${column}_encrypted`;

/** The entity property holding a field's ciphertext: `care_needs` → `careNeedsEncrypted`. */
export const encryptedProperty = (column: string) => `${camelCase(column)}Encrypted`;

export function camelCase(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/** A blind index: a keyed hash of a field's (normalised) plaintext, stored for exact-match lookups. */
export interface BlindIndexSpec {
  readonly field: FieldRef;
  /** Index name, also the database column (`<column>_bidx`). */
  readonly name: string;
  /** Output size in bits: 256 for a unique value, fewer to merge values into buckets. */
  readonly bits: number;
  /** Applied to the plaintext before hashing, identically at write and lookup. */
  readonly normalise: (plaintext: string) => string;
}

/**
 * The blind indexes the application needs (docs/encryption.md, "Blind indexes and what they
 * leak"):
 * - medical record number: full 256 bits, so equal hashes mean equal numbers and the database
 *   can keep them unique per tenant; record numbers are unique, so equality reveals nothing.
 * - date of birth: 12 bits (4,096 buckets for about 45,000 possible dates): a lookup returns the
 *   bucket's clients, which are decrypted and filtered; the database cannot tell which clients
 *   share a birthday.
 */
export const BLIND_INDEXES = {
  medicalRecordNumber: {
    field: { table: 'clients', column: 'medical_record_number' },
    name: 'medical_record_number_bidx',
    bits: 256,
    normalise: (value: string) => value,
  },
  dateOfBirth: {
    field: { table: 'clients', column: 'date_of_birth' },
    name: 'date_of_birth_bidx',
    bits: 12,
    normalise: (value: string) => value,
  },
} satisfies Record<string, BlindIndexSpec>;

/**
 * Name search tokens: each trigram of the client's normalised names, hashed with a key of its
 * own and truncated to 16 bits (docs/encryption.md). A pseudo-field of `clients`, so its key is
 * derived apart from every real field's.
 */
export const NAME_TOKENS = {
  field: { table: 'clients', column: 'full_name' },
  name: 'name_trigram',
  bits: 16,
} as const;
