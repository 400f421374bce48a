import { MigrationInterface, QueryRunner } from 'typeorm';

/** The identity columns that move into ciphertexts, and whether each is required. */
const MOVED = [
  { column: 'first_name', required: true },
  { column: 'last_name', required: true },
  { column: 'preferred_name', required: false },
  { column: 'date_of_birth', required: true },
  { column: 'medical_record_number', required: true },
];

/**
 * Expand step of moving the clients' identity (PHI) into field ciphertexts: names, date of
 * birth and medical record number (docs/encryption.md says why each moves, and what stays).
 *
 * - Adds `<column>_encrypted` (bytea) for each moved column, the blind indexes
 *   `date_of_birth_bidx` and `medical_record_number_bidx` (keyed hashes for exact-match
 *   lookups), and `name_search_tokens` (keyed hashes of the name's trigrams, for name search).
 *   All nullable, or with a constant default: adding them rewrites nothing.
 * - Drops NOT NULL from the plaintext columns, so the new code can write a client with its
 *   ciphertexts only, and the backfill command (`npm run phi:backfill`, which holds the keys a
 *   migration never does) can encrypt existing rows in batches and clear their plaintext.
 * - CHECKs on the new columns' shape are added NOT VALID (no scan now); the contract migration
 *   (DropPlaintextClientColumns1754250084000) validates them.
 * - Indexes on the new columns come next, CONCURRENTLY (IndexEncryptedClientColumns1754250050000).
 *
 * Nothing is lost: the plaintext stays until the backfill has encrypted it row by row.
 *
 * `down` drops the new columns; it refuses while any client's identity exists only encrypted
 * (a client written by the new code, or one already backfilled): run
 * `npm run phi:backfill -- --decrypt` first, which writes the plaintext back.
 *
 * Locks: ALTER TABLE takes an ACCESS EXCLUSIVE lock on `clients` for catalog changes only
 * (new columns without a volatile default, DROP NOT NULL, NOT VALID CHECKs): milliseconds.
 */
export class AddEncryptedClientColumns1754250049000 implements MigrationInterface {
  name = 'AddEncryptedClientColumns1754250049000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const { column } of MOVED) {
      await queryRunner.query(`ALTER TABLE clients ADD COLUMN IF NOT EXISTS ${column}_encrypted bytea`);
    }
    await queryRunner.query(`ALTER TABLE clients ADD COLUMN IF NOT EXISTS date_of_birth_bidx bytea`);
    await queryRunner.query(`ALTER TABLE clients ADD COLUMN IF NOT EXISTS medical_record_number_bidx bytea`);
    await queryRunner.query(`
      -- squawk-ignore prefer-bigint-over-int -- 16-bit keyed hashes of trigrams, not identifiers or counters
      ALTER TABLE clients ADD COLUMN IF NOT EXISTS name_search_tokens integer[] NOT NULL DEFAULT '{}'
    `);
    for (const { column, required } of MOVED) {
      if (!required) continue;
      await queryRunner.query(`
        -- squawk-ignore ban-drop-not-null -- expand step: new rows carry only ciphertexts, and the backfill clears moved plaintext
        ALTER TABLE clients ALTER COLUMN ${column} DROP NOT NULL
      `);
    }
    for (const { column } of MOVED) {
      await queryRunner.query(`ALTER TABLE clients DROP CONSTRAINT IF EXISTS chk_clients_${column}_encrypted_envelope`);
      await queryRunner.query(`
        ALTER TABLE clients ADD CONSTRAINT chk_clients_${column}_encrypted_envelope
          CHECK (substring(${column}_encrypted FROM 1 FOR 1) = '\\x01'::bytea AND octet_length(${column}_encrypted) BETWEEN 6 AND 65536) NOT VALID
      `);
    }
    await queryRunner.query(`ALTER TABLE clients DROP CONSTRAINT IF EXISTS chk_clients_date_of_birth_bidx_length`);
    await queryRunner.query(`
      ALTER TABLE clients ADD CONSTRAINT chk_clients_date_of_birth_bidx_length CHECK (octet_length(date_of_birth_bidx) = 2) NOT VALID
    `);
    await queryRunner.query(`ALTER TABLE clients DROP CONSTRAINT IF EXISTS chk_clients_medical_record_number_bidx_length`);
    await queryRunner.query(`
      ALTER TABLE clients ADD CONSTRAINT chk_clients_medical_record_number_bidx_length CHECK (octet_length(medical_record_number_bidx) = 32) NOT VALID
    `);
    await queryRunner.query(`ALTER TABLE clients DROP CONSTRAINT IF EXISTS chk_clients_name_search_tokens_count`);
    await queryRunner.query(`
      ALTER TABLE clients ADD CONSTRAINT chk_clients_name_search_tokens_count CHECK (cardinality(name_search_tokens) <= 300) NOT VALID
    `);
    await queryRunner.query(`COMMENT ON COLUMN clients.first_name_encrypted IS 'PHI, encrypted: legal given name.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.last_name_encrypted IS 'PHI, encrypted: legal family name.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.preferred_name_encrypted IS 'PHI, encrypted: name the client prefers to be called by.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.date_of_birth_encrypted IS 'PHI, encrypted: date of birth (YYYY-MM-DD), from 1900-01-01 to today.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.medical_record_number_encrypted IS 'PHI, encrypted: medical record number.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.date_of_birth_bidx IS 'Blind index of the date of birth: keyed hash truncated to 12 bits, tenant-scoped, for exact-match lookups (false positives are filtered after decryption).'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.medical_record_number_bidx IS 'Blind index of the medical record number: keyed 256-bit hash, tenant-scoped; unique among the tenant''s live clients.'`);
    await queryRunner.query(`COMMENT ON COLUMN clients.name_search_tokens IS 'Keyed 16-bit hashes of the trigrams of the normalised names, tenant-scoped, for name search.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Forced row-level security hides every row from the owner: count them without it, inside
    // this migration's transaction (the ALTER TABLEs below hold the same lock anyway).
    await queryRunner.query(`ALTER TABLE clients NO FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(`
      DO $$
      DECLARE
        encrypted_only bigint;
      BEGIN
        SELECT count(*) INTO encrypted_only FROM clients
        WHERE first_name IS NULL OR last_name IS NULL OR date_of_birth IS NULL OR medical_record_number IS NULL
           OR (preferred_name IS NULL AND preferred_name_encrypted IS NOT NULL);
        IF encrypted_only > 0 THEN
          RAISE EXCEPTION 'AddEncryptedClientColumns1754250049000 down: % client(s) hold their identity only encrypted; run npm run phi:backfill -- --decrypt (node dist/src/cli/phi-backfill.js --decrypt) to write the plaintext back, then revert again', encrypted_only
            USING ERRCODE = '55000';
        END IF;
      END
      $$
    `);
    await queryRunner.query(`ALTER TABLE clients FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE clients DROP CONSTRAINT IF EXISTS chk_clients_name_search_tokens_count`);
    await queryRunner.query(`ALTER TABLE clients DROP CONSTRAINT IF EXISTS chk_clients_medical_record_number_bidx_length`);
    await queryRunner.query(`ALTER TABLE clients DROP CONSTRAINT IF EXISTS chk_clients_date_of_birth_bidx_length`);
    for (const { column } of [...MOVED].reverse()) {
      await queryRunner.query(`ALTER TABLE clients DROP CONSTRAINT IF EXISTS chk_clients_${column}_encrypted_envelope`);
    }
    for (const { column, required } of [...MOVED].reverse()) {
      if (!required) continue;
      await queryRunner.query(`
        -- squawk-ignore adding-not-nullable-field -- restores the NOT NULL up dropped; the check above proved every row has a value
        ALTER TABLE clients ALTER COLUMN ${column} SET NOT NULL
      `);
    }
    for (const column of [
      'name_search_tokens',
      'medical_record_number_bidx',
      'date_of_birth_bidx',
      ...[...MOVED].reverse().map(({ column: moved }) => `${moved}_encrypted`),
    ]) {
      await queryRunner.query(`
        -- squawk-ignore ban-drop-column -- down removes the columns its up added; the check above proved they hold nothing the plaintext lacks
        ALTER TABLE clients DROP COLUMN IF EXISTS ${column}
      `);
    }
  }
}
