import { MigrationInterface, QueryRunner } from 'typeorm';
import { transferFunctionOwnershipSql } from './support/roles';

/** The plaintext identity columns this migration drops, with their definitions for `down`. */
const PLAINTEXT = [
  { column: 'first_name', type: 'text', comment: 'Legal given name.' },
  { column: 'last_name', type: 'text', comment: 'Legal family name.' },
  { column: 'preferred_name', type: 'text', comment: 'Name the client prefers to be called by.' },
  { column: 'date_of_birth', type: 'date', comment: 'Date of birth; from 1900-01-01 to today.' },
  {
    column: 'medical_record_number',
    type: 'text',
    comment: "Medical record number: letters, digits and hyphens; unique among the tenant''s live clients.",
  },
];

/** Their CHECKs, as CreateClients1754250023000 made them. */
const PLAINTEXT_CHECKS = [
  `chk_clients_first_name_length CHECK (char_length(btrim(first_name)) BETWEEN 1 AND 100)`,
  `chk_clients_last_name_length CHECK (char_length(btrim(last_name)) BETWEEN 1 AND 100)`,
  `chk_clients_preferred_name_length CHECK (char_length(btrim(preferred_name)) BETWEEN 1 AND 100)`,
  `chk_clients_date_of_birth_range CHECK (date_of_birth BETWEEN DATE '1900-01-01' AND CURRENT_DATE)`,
  `chk_clients_medical_record_number_format CHECK (medical_record_number ~ '^[A-Za-z0-9][A-Za-z0-9-]{0,63}$')`,
];

/** CHECKs added NOT VALID by AddEncryptedClientColumns1754250049000, validated here. */
const ENCRYPTED_CHECKS = [
  ...['first_name', 'last_name', 'preferred_name', 'date_of_birth', 'medical_record_number'].map(
    (column) =>
      `chk_clients_${column}_encrypted_envelope CHECK (substring(${column}_encrypted FROM 1 FOR 1) = '\\x01'::bytea AND octet_length(${column}_encrypted) BETWEEN 6 AND 65536)`,
  ),
  `chk_clients_date_of_birth_bidx_length CHECK (octet_length(date_of_birth_bidx) = 2)`,
  `chk_clients_medical_record_number_bidx_length CHECK (octet_length(medical_record_number_bidx) = 32)`,
  `chk_clients_name_search_tokens_count CHECK (cardinality(name_search_tokens) <= 300)`,
];

/** Encrypted columns every client has once the plaintext is gone. */
const REQUIRED_ENCRYPTED = [
  'first_name_encrypted',
  'last_name_encrypted',
  'date_of_birth_encrypted',
  'medical_record_number_encrypted',
  'date_of_birth_bidx',
  'medical_record_number_bidx',
];

const OLD_SEARCH = 'search_clients(text, integer)';

/**
 * Contract step of moving the clients' identity into field ciphertexts: drops the plaintext
 * columns `first_name`, `last_name`, `preferred_name`, `date_of_birth` and
 * `medical_record_number`, their CHECKs and indexes (the plaintext unique record number and the
 * trigram name index) and `search_clients(text, integer)`, which read them; name search is
 * `search_clients_by_name_tokens()` now. Then validates the new columns' CHECKs and makes the
 * required ciphertexts and blind indexes NOT NULL.
 *
 * It refuses, changing nothing, while any client is not yet moved (plaintext still present, or
 * a required ciphertext missing), and names the command that moves them:
 * `npm run phi:backfill` (compiled: `node dist/src/cli/phi-backfill.js`), after which
 * `migration:run` continues here. Dropped columns' bytes stay in the table's pages until rows
 * are rewritten and vacuumed (the backfill already rewrote every row without its plaintext),
 * and in backups taken before: see docs/encryption.md, "Moving existing data".
 *
 * `down` brings back the plaintext columns (nullable, as in the expand step; at the end of the
 * table, so `downReordersColumns`), their CHECKs, indexes and the old search function, with
 * every row's plaintext still NULL: `npm run phi:backfill -- --decrypt` writes it back before
 * AddEncryptedClientColumns1754250049000 can be reverted.
 *
 * Numbered after the tenant context (VerifyTenantContext1754250081000 and the other migrations
 * of that release), so that on a database where `migration:run` stops here, everything else is
 * in place: `phi:backfill` enters each tenant with a proof, like the application.
 *
 * Locks: ACCESS EXCLUSIVE on `clients` for the whole migration: two sequential scans (the
 * refusal check, and SET NOT NULL, which PostgreSQL checks by scanning) and catalog changes;
 * about a second per million clients on this project's bench machine.
 */
export class DropPlaintextClientColumns1754250084000 implements MigrationInterface {
  name = 'DropPlaintextClientColumns1754250084000';
  /** `down` re-adds the dropped columns after the existing ones: same definitions, new positions. */
  readonly downReordersColumns = true;

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Forced row-level security hides every row from the owner: check without it, inside this
    // migration's transaction (the ALTER TABLEs below need the same lock anyway).
    await queryRunner.query(`ALTER TABLE clients NO FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(`
      DO $$
      DECLARE
        pending bigint := 0;
      BEGIN
        -- Dynamic SQL: on a re-run the plaintext columns are already gone, and nothing is pending.
        IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'clients'::regclass AND attname = 'first_name' AND NOT attisdropped) THEN
          EXECUTE 'SELECT count(*) FROM clients
                   WHERE first_name IS NOT NULL OR last_name IS NOT NULL OR preferred_name IS NOT NULL
                      OR date_of_birth IS NOT NULL OR medical_record_number IS NOT NULL
                      OR ${REQUIRED_ENCRYPTED.map((column) => `${column} IS NULL`).join(' OR ')}'
            INTO pending;
        END IF;
        IF pending > 0 THEN
          RAISE EXCEPTION 'DropPlaintextClientColumns1754250084000: % client(s) still hold plaintext identity not yet moved into ciphertexts; run npm run phi:backfill (compiled: node dist/src/cli/phi-backfill.js), then migration:run again', pending
            USING ERRCODE = '55000';
        END IF;
      END
      $$
    `);
    await queryRunner.query(`ALTER TABLE clients FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${OLD_SEARCH}`);
    // ix_clients_tenant_id_full_name_trgm and uq_clients_tenant_id_medical_record_number cover
    // the dropped columns: DROP COLUMN drops them, under the lock this migration holds anyway.
    for (const check of PLAINTEXT_CHECKS) {
      await queryRunner.query(`ALTER TABLE clients DROP CONSTRAINT IF EXISTS ${check.split(' ')[0]}`);
    }
    for (const { column } of PLAINTEXT) {
      await queryRunner.query(`
        -- squawk-ignore ban-drop-column -- contract step: the check above proved every row moved into ciphertexts; no code reads these columns any more
        ALTER TABLE clients DROP COLUMN IF EXISTS ${column}
      `);
    }
    for (const check of ENCRYPTED_CHECKS) {
      await queryRunner.query(`ALTER TABLE clients VALIDATE CONSTRAINT ${check.split(' ')[0]}`);
    }
    await queryRunner.query(
      `ALTER TABLE clients ${REQUIRED_ENCRYPTED.map((column) => `ALTER COLUMN ${column} SET NOT NULL`).join(', ')}`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      -- squawk-ignore ban-drop-not-null -- back to the expand step, whose encrypted columns are nullable
      ALTER TABLE clients ${REQUIRED_ENCRYPTED.map((column) => `ALTER COLUMN ${column} DROP NOT NULL`).join(', ')}
    `);
    for (const check of ENCRYPTED_CHECKS) {
      await queryRunner.query(`ALTER TABLE clients DROP CONSTRAINT IF EXISTS ${check.split(' ')[0]}`);
      await queryRunner.query(`ALTER TABLE clients ADD CONSTRAINT ${check} NOT VALID`);
    }
    for (const { column, type } of PLAINTEXT) {
      await queryRunner.query(`ALTER TABLE clients ADD COLUMN IF NOT EXISTS ${column} ${type}`);
    }
    for (const check of PLAINTEXT_CHECKS) {
      await queryRunner.query(`ALTER TABLE clients DROP CONSTRAINT IF EXISTS ${check.split(' ')[0]}`);
      await queryRunner.query(`
        -- squawk-ignore constraint-missing-not-valid -- on columns added just above, NULL in every row: validating reads only NULLs, under the lock already held
        ALTER TABLE clients ADD CONSTRAINT ${check}
      `);
    }
    for (const { column, comment } of PLAINTEXT) {
      await queryRunner.query(`COMMENT ON COLUMN clients.${column} IS '${comment}'`);
    }
    await queryRunner.query(`
      -- squawk-ignore require-concurrent-index-creation -- down runs in one transaction with the columns it re-creates, all NULL
      CREATE UNIQUE INDEX IF NOT EXISTS uq_clients_tenant_id_medical_record_number
        ON clients (tenant_id, medical_record_number) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`
      -- squawk-ignore require-concurrent-index-creation -- down runs in one transaction with the columns it re-creates, all NULL
      CREATE INDEX IF NOT EXISTS ix_clients_tenant_id_full_name_trgm
        ON clients USING gin (tenant_id, (first_name || ' ' || last_name) gin_trgm_ops) WHERE deleted_at IS NULL
    `);
    // search_clients() exactly as CreateClientSearch1754250033000 made it.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION search_clients(query text, max_rows integer DEFAULT 20)
      RETURNS TABLE (client_id uuid, full_name text, score real)
      LANGUAGE plpgsql STABLE SECURITY DEFINER
      SET search_path = public, pg_temp
      AS $$
      DECLARE
        tenant uuid := current_tenant_id();
        pattern text;
      BEGIN
        IF tenant IS NULL THEN
          RAISE EXCEPTION 'search_clients: no tenant in context (app.tenant_id)' USING ERRCODE = '42501';
        END IF;
        IF query IS NULL OR btrim(query) = '' THEN
          RAISE EXCEPTION 'search_clients: query must not be empty' USING ERRCODE = '22023';
        END IF;
        IF max_rows IS NULL OR max_rows NOT BETWEEN 1 AND 1000 THEN
          RAISE EXCEPTION 'search_clients: max_rows must be between 1 and 1000' USING ERRCODE = '22023';
        END IF;
        pattern := '%' || replace(replace(replace(btrim(query), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%';
        RETURN QUERY
          SELECT c.id, c.first_name || ' ' || c.last_name, similarity(c.first_name || ' ' || c.last_name, btrim(query))
          FROM clients c
          WHERE c.tenant_id = tenant
            AND c.deleted_at IS NULL
            AND ((c.first_name || ' ' || c.last_name) ILIKE pattern OR (c.first_name || ' ' || c.last_name) % btrim(query))
          ORDER BY 3 DESC, 2, 1
          LIMIT max_rows;
      END
      $$
    `);
    await queryRunner.query(`
      COMMENT ON FUNCTION ${OLD_SEARCH} IS 'Name search within the current tenant (app.tenant_id): substring or trigram match on first_name || '' '' || last_name, best first. Runs as foundation_client_search so the trigram index is usable under row-level security.'
    `);
    await queryRunner.query(transferFunctionOwnershipSql(OLD_SEARCH, 'foundation_client_search'));
    await queryRunner.query(`REVOKE ALL ON FUNCTION ${OLD_SEARCH} FROM PUBLIC`);
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION ${OLD_SEARCH} TO foundation_app`);
  }
}
