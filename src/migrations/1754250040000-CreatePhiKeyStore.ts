import { MigrationInterface, QueryRunner } from 'typeorm';
import { createRoleSql, dropRoleIfUnusedSql, transferFunctionOwnershipSql } from './support/roles';

/** Owns the key store's functions; reads and adds key rows, nothing else. Never a login. */
export const PHI_KEYRING_ROLE = 'foundation_phi_keyring';

const TENANT_KEYS = 'phi_tenant_data_keys()';
const CREATE_FIRST_KEY = 'phi_create_first_data_key(text, bytea)';
const LIST_TENANTS = 'phi_list_tenants()';
const KEY_VERSION = 'phi_ciphertext_key_version(bytea)';

const PINNED_SEARCH_PATH = 'pg_catalog, public, pg_temp';

/**
 * Creates `phi_data_keys`, the store of each tenant's wrapped data keys for field-level
 * encryption (src/phi, docs/encryption.md), and the narrow paths to it.
 *
 * - A platform table, not a tenant table: its tenant column is `subject_tenant_id`, so the
 *   catalog tests do not treat it as tenant data, and no tenant may read it. Row-level security
 *   is enabled (not forced) with no policy for anyone but `foundation_phi_keyring`: the
 *   application role has no privilege on it at all; the table's owner (who runs key rotation
 *   and shredding) manages it directly.
 * - A row holds one version of one tenant's data key, wrapped (encrypted) by that tenant's
 *   key-encryption key, which lives outside the database (a KMS, or in development a git-ignored
 *   key folder). A database backup therefore holds only wrapped keys: destroying the tenant's
 *   key-encryption key makes them, and the tenant's PHI, unreadable in every copy.
 * - `state`: active (encrypts new values; one per tenant), retiring (a rotation is re-encrypting
 *   away from it), retired (nothing encrypted with it remains), destroyed (crypto-shredded:
 *   `wrapped_key` is NULL).
 * - `phi_tenant_data_keys()`: the current tenant's (current_tenant_id()) keys that are not destroyed,
 *   for the application role; raises 42501 without a tenant.
 * - `phi_create_first_data_key(kek_id, wrapped_key)`: the application's "generate on first use":
 *   adds version 1 for the current tenant when the tenant has no key row at all, and refuses a
 *   tenant whose keys were destroyed. It cannot replace, rotate or destroy keys.
 * - `phi_list_tenants()`: ids of every live tenant, for the owner-run key commands (forced
 *   row-level security hides tenants from the owner); EXECUTE for the table's owner only.
 * - `phi_ciphertext_key_version(bytea)`: the key version written in a ciphertext's envelope
 *   (format byte 0x01, then the version as a 32-bit big-endian integer), NULL for anything
 *   else; rotation uses it to find values still on an old key.
 *
 * Locks: a new table; CREATE POLICY on `tenants` takes a brief ACCESS EXCLUSIVE lock on it
 * (catalog only).
 */
export class CreatePhiKeyStore1754250040000 implements MigrationInterface {
  name = 'CreatePhiKeyStore1754250040000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regtype('phi_key_state_enum') IS NULL THEN
          CREATE TYPE phi_key_state_enum AS ENUM ('active', 'retiring', 'retired', 'destroyed');
        END IF;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS phi_data_keys (
        subject_tenant_id uuid NOT NULL,
        -- squawk-ignore prefer-bigint-over-int -- a tenant's key version, counted one rotation at a time
        key_version integer NOT NULL,
        state phi_key_state_enum NOT NULL DEFAULT 'active',
        kek_id text NOT NULL,
        wrapped_key bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz,
        destroyed_at timestamptz,
        CONSTRAINT pk_phi_data_keys PRIMARY KEY (subject_tenant_id, key_version),
        CONSTRAINT fk_phi_data_keys_subject_tenant_id FOREIGN KEY (subject_tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT chk_phi_data_keys_key_version_positive CHECK (key_version >= 1),
        CONSTRAINT chk_phi_data_keys_kek_id_length CHECK (char_length(kek_id) BETWEEN 1 AND 2048),
        CONSTRAINT chk_phi_data_keys_destroyed_without_key CHECK ((state = 'destroyed') = (wrapped_key IS NULL)),
        CONSTRAINT chk_phi_data_keys_wrapped_key_length CHECK (octet_length(wrapped_key) BETWEEN 16 AND 8192)
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS uq_phi_data_keys_one_active_per_tenant
        ON phi_data_keys (subject_tenant_id) WHERE state = 'active'
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_phi_data_keys_set_updated_at
        BEFORE UPDATE ON phi_data_keys
        FOR EACH ROW EXECUTE FUNCTION set_updated_at()
    `);
    await queryRunner.query(`ALTER TABLE phi_data_keys ENABLE ROW LEVEL SECURITY`);

    await queryRunner.query(createRoleSql(PHI_KEYRING_ROLE));
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${PHI_KEYRING_ROLE}`);
    await queryRunner.query(`GRANT SELECT, INSERT ON phi_data_keys TO ${PHI_KEYRING_ROLE}`);
    await queryRunner.query(`GRANT SELECT (id, deleted_at) ON tenants TO ${PHI_KEYRING_ROLE}`);
    await queryRunner.query(`DROP POLICY IF EXISTS pol_phi_data_keys_phi_keyring ON phi_data_keys`);
    await queryRunner.query(`
      CREATE POLICY pol_phi_data_keys_phi_keyring ON phi_data_keys FOR ALL TO ${PHI_KEYRING_ROLE}
        USING (true) WITH CHECK (true)
    `);
    await queryRunner.query(`DROP POLICY IF EXISTS pol_tenants_phi_keyring ON tenants`);
    await queryRunner.query(`CREATE POLICY pol_tenants_phi_keyring ON tenants FOR SELECT TO ${PHI_KEYRING_ROLE} USING (true)`);

    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION phi_tenant_data_keys()
      RETURNS TABLE (key_version integer, state phi_key_state_enum, kek_id text, wrapped_key bytea)
      LANGUAGE plpgsql STABLE SECURITY DEFINER
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$
      DECLARE
        tenant uuid := current_tenant_id();
      BEGIN
        IF tenant IS NULL THEN
          RAISE EXCEPTION 'phi_tenant_data_keys: no tenant in context (enter one with withTenant)' USING ERRCODE = '42501';
        END IF;
        RETURN QUERY
          SELECT k.key_version, k.state, k.kek_id, k.wrapped_key FROM phi_data_keys k
          WHERE k.subject_tenant_id = tenant AND k.state <> 'destroyed'
          ORDER BY k.key_version;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION phi_create_first_data_key(kek_id text, wrapped_key bytea)
      RETURNS boolean
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$
      DECLARE
        tenant uuid := current_tenant_id();
        added integer;
      BEGIN
        IF tenant IS NULL THEN
          RAISE EXCEPTION 'phi_create_first_data_key: no tenant in context (enter one with withTenant)' USING ERRCODE = '42501';
        END IF;
        IF EXISTS (SELECT 1 FROM phi_data_keys k WHERE k.subject_tenant_id = tenant AND k.state = 'destroyed') THEN
          RAISE EXCEPTION 'phi_create_first_data_key: the data keys of tenant % were destroyed (crypto-shredded); no new PHI may be written for it', tenant
            USING ERRCODE = '42501';
        END IF;
        -- Two first uses at once: the primary key lets exactly one insert win; the loser reads
        -- the winner's key.
        INSERT INTO phi_data_keys (subject_tenant_id, key_version, state, kek_id, wrapped_key)
        SELECT tenant, 1, 'active', phi_create_first_data_key.kek_id, phi_create_first_data_key.wrapped_key
        WHERE NOT EXISTS (SELECT 1 FROM phi_data_keys k WHERE k.subject_tenant_id = tenant)
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS added = ROW_COUNT;
        RETURN added = 1;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION phi_list_tenants()
      RETURNS SETOF uuid
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$ SELECT t.id FROM tenants t WHERE t.deleted_at IS NULL ORDER BY t.id $$
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION phi_ciphertext_key_version(ciphertext bytea)
      RETURNS integer
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$
        SELECT CASE WHEN octet_length(ciphertext) >= 5 AND get_byte(ciphertext, 0) = 1
                    THEN (get_byte(ciphertext, 1) << 24) | (get_byte(ciphertext, 2) << 16)
                       | (get_byte(ciphertext, 3) << 8) | get_byte(ciphertext, 4)
               END
      $$
    `);
    await queryRunner.query(`COMMENT ON FUNCTION ${TENANT_KEYS} IS 'Field-level encryption: the current tenant''s (current_tenant_id()) wrapped data keys that are not destroyed. Runs as foundation_phi_keyring; callable by foundation_app.'`);
    await queryRunner.query(`COMMENT ON FUNCTION ${CREATE_FIRST_KEY} IS 'Field-level encryption: adds key version 1 for the current tenant when it has no key yet (generate on first use); refuses a crypto-shredded tenant. Returns whether this call added it. Runs as foundation_phi_keyring; callable by foundation_app.'`);
    await queryRunner.query(`COMMENT ON FUNCTION ${LIST_TENANTS} IS 'Key upkeep: ids of every live tenant, for the owner-run key commands. Runs as foundation_phi_keyring; callable by the key store''s owner only.'`);
    await queryRunner.query(`COMMENT ON FUNCTION ${KEY_VERSION} IS 'The data key version written in a field ciphertext''s envelope (format byte 1, then a 32-bit big-endian version); NULL for anything else.'`);
    for (const signature of [TENANT_KEYS, CREATE_FIRST_KEY, LIST_TENANTS]) {
      await queryRunner.query(transferFunctionOwnershipSql(signature, PHI_KEYRING_ROLE));
      await queryRunner.query(`REVOKE ALL ON FUNCTION ${signature} FROM PUBLIC`);
    }
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION ${TENANT_KEYS} TO foundation_app`);
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION ${CREATE_FIRST_KEY} TO foundation_app`);
    await queryRunner.query(`
      DO $$
      BEGIN
        EXECUTE format('GRANT EXECUTE ON FUNCTION ${LIST_TENANTS} TO %I',
                       (SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                        WHERE c.oid = 'phi_data_keys'::regclass));
      END
      $$
    `);

    await queryRunner.query(`COMMENT ON TABLE phi_data_keys IS 'Platform key store for field-level encryption: each tenant''s data key versions, wrapped by the tenant''s key-encryption key held outside the database. Readable by no tenant.'`);
    await queryRunner.query(`COMMENT ON COLUMN phi_data_keys.subject_tenant_id IS 'Tenant whose PHI this key encrypts (not a tenant_id: no tenant may read this table).'`);
    await queryRunner.query(`COMMENT ON COLUMN phi_data_keys.key_version IS 'Version of the tenant''s data key, from 1; written into every ciphertext it produced.'`);
    await queryRunner.query(`COMMENT ON COLUMN phi_data_keys.state IS 'active (encrypts new values), retiring (being rotated away from), retired (no ciphertext uses it) or destroyed (crypto-shredded).'`);
    await queryRunner.query(`COMMENT ON COLUMN phi_data_keys.kek_id IS 'Id of the key-encryption key that wrapped this key, in the key-encryption key provider (a KMS key id, or local:<tenant> in development).'`);
    await queryRunner.query(`COMMENT ON COLUMN phi_data_keys.wrapped_key IS 'The data key encrypted by the key-encryption key; NULL once destroyed.'`);
    await queryRunner.query(`COMMENT ON COLUMN phi_data_keys.created_at IS 'When the row was created.'`);
    await queryRunner.query(`COMMENT ON COLUMN phi_data_keys.updated_at IS 'When the row was last updated; kept by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN phi_data_keys.retired_at IS 'When a rotation finished moving every value off this key.'`);
    await queryRunner.query(`COMMENT ON COLUMN phi_data_keys.destroyed_at IS 'When the key was destroyed by crypto-shredding.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${KEY_VERSION}`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${LIST_TENANTS}`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${CREATE_FIRST_KEY}`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${TENANT_KEYS}`);
    await queryRunner.query(`DROP POLICY IF EXISTS pol_tenants_phi_keyring ON tenants`);
    await queryRunner.query(`DROP POLICY IF EXISTS pol_phi_data_keys_phi_keyring ON phi_data_keys`);
    await queryRunner.query(`REVOKE SELECT (id, deleted_at) ON tenants FROM ${PHI_KEYRING_ROLE}`);
    await queryRunner.query(`REVOKE ALL ON phi_data_keys FROM ${PHI_KEYRING_ROLE}`);
    await queryRunner.query(`REVOKE USAGE ON SCHEMA public FROM ${PHI_KEYRING_ROLE}`);
    await queryRunner.query(dropRoleIfUnusedSql(PHI_KEYRING_ROLE));
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_phi_data_keys_set_updated_at ON phi_data_keys`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_phi_data_keys_one_active_per_tenant`);
    await queryRunner.query(`DROP TABLE IF EXISTS phi_data_keys`);
    await queryRunner.query(`DROP TYPE IF EXISTS phi_key_state_enum`);
  }
}
