import { MigrationInterface, QueryRunner } from 'typeorm';
import { createRoleSql, dropRoleIfUnusedSql, transferFunctionOwnershipSql } from './support/roles';

/** Owns the tenant-context functions and reads their keys; never a login, never granted to anyone. */
export const TENANT_CONTEXT_ROLE = 'foundation_tenant_context';

const INSTALL = 'install_tenant_context_key(text, bytea)';
const RETIRE = 'retire_tenant_context_key(text)';
const LIST = 'list_tenant_context_keys()';
/** Key administration: owned by the context role, EXECUTE for the schema owner (the migrating role) only. */
const KEY_FUNCTIONS = [INSTALL, RETIRE, LIST];

const PINNED = 'SET search_path = pg_catalog, public, pg_temp';

/**
 * The keys the application signs its tenant proofs with (see VerifyTenantContext1754250081000
 * and docs/tenancy.md).
 *
 * `tenant_context_keys` holds, per key id, the HMAC-SHA256 inner and outer pads of the secret
 * (RFC 2104; equivalent to the secret). No role but `foundation_tenant_context` (NOLOGIN, owns
 * nothing else, not the table owner) and the table owner may read it: the application role has
 * no privilege on it at all, so no query it runs can learn a key.
 *
 * The secret never appears in SQL text: the schema owner installs it with
 * `install_tenant_context_key(key_id, secret)` through bind parameters (`npm run tenant-context
 * -- install-key`), which computes the pads inside the database. Installing the same key again
 * changes nothing; another secret under an existing id is refused. Rotation is install new key,
 * switch the application to it, `retire_tenant_context_key(old id)`. `list_tenant_context_keys()`
 * shows ids and dates, never pads.
 *
 * Locks: new objects only.
 */
export class CreateTenantContextKeys1754250080000 implements MigrationInterface {
  name = 'CreateTenantContextKeys1754250080000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(createRoleSql(TENANT_CONTEXT_ROLE));
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${TENANT_CONTEXT_ROLE}`);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS tenant_context_keys (
        key_id text NOT NULL,
        inner_pad bytea NOT NULL,
        outer_pad bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_tenant_context_keys PRIMARY KEY (key_id),
        CONSTRAINT chk_tenant_context_keys_key_id_format CHECK (key_id ~ '^[A-Za-z0-9_-]{1,40}$'),
        CONSTRAINT chk_tenant_context_keys_pad_length CHECK (octet_length(inner_pad) = 64 AND octet_length(outer_pad) = 64)
      )
    `);
    await queryRunner.query(`COMMENT ON TABLE tenant_context_keys IS 'Keys that sign tenant proofs and contexts (HMAC-SHA256 pads); readable by foundation_tenant_context and the owner only, never by the application.'`);
    await queryRunner.query(`COMMENT ON COLUMN tenant_context_keys.key_id IS 'Key id that proofs name; 1 to 40 letters, digits, - or _.'`);
    await queryRunner.query(`COMMENT ON COLUMN tenant_context_keys.inner_pad IS 'The secret, zero-padded to 64 bytes, XOR 0x36.'`);
    await queryRunner.query(`COMMENT ON COLUMN tenant_context_keys.outer_pad IS 'The secret, zero-padded to 64 bytes, XOR 0x5c.'`);
    await queryRunner.query(`COMMENT ON COLUMN tenant_context_keys.created_at IS 'When the key was installed.'`);
    await queryRunner.query(`REVOKE ALL ON tenant_context_keys FROM PUBLIC`);
    await queryRunner.query(`GRANT SELECT, INSERT, DELETE ON tenant_context_keys TO ${TENANT_CONTEXT_ROLE}`);

    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION install_tenant_context_key(new_key_id text, secret bytea) RETURNS boolean
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      ${PINNED}
      AS $$
      DECLARE
        padded bytea;
        new_inner bytea;
        new_outer bytea;
        existing record;
      BEGIN
        IF new_key_id IS NULL OR new_key_id !~ '^[A-Za-z0-9_-]{1,40}$' THEN
          RAISE EXCEPTION 'install_tenant_context_key: the key id must be 1 to 40 letters, digits, - or _' USING ERRCODE = '22023';
        END IF;
        IF secret IS NULL OR octet_length(secret) NOT BETWEEN 32 AND 64 THEN
          RAISE EXCEPTION 'install_tenant_context_key: the secret must be 32 to 64 bytes' USING ERRCODE = '22023';
        END IF;
        padded := secret || decode(repeat('00', 64 - octet_length(secret)), 'hex');
        new_inner := padded;
        new_outer := padded;
        FOR i IN 0..63 LOOP
          new_inner := set_byte(new_inner, i, get_byte(padded, i) # 54);
          new_outer := set_byte(new_outer, i, get_byte(padded, i) # 92);
        END LOOP;
        SELECT k.inner_pad, k.outer_pad INTO existing FROM tenant_context_keys k WHERE k.key_id = new_key_id;
        IF FOUND THEN
          IF existing.inner_pad = new_inner AND existing.outer_pad = new_outer THEN
            RETURN false;
          END IF;
          RAISE EXCEPTION 'install_tenant_context_key: key "%" is installed with another secret', new_key_id
            USING ERRCODE = '23505', HINT = 'Install a new secret under a new key id, then retire the old one.';
        END IF;
        INSERT INTO tenant_context_keys (key_id, inner_pad, outer_pad) VALUES (new_key_id, new_inner, new_outer);
        RETURN true;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION retire_tenant_context_key(old_key_id text) RETURNS boolean
      LANGUAGE sql VOLATILE SECURITY DEFINER
      ${PINNED}
      AS $$ WITH gone AS (DELETE FROM tenant_context_keys WHERE key_id = old_key_id RETURNING 1) SELECT count(*) > 0 FROM gone $$
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION list_tenant_context_keys() RETURNS TABLE (key_id text, created_at timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER
      ${PINNED}
      AS $$ SELECT k.key_id, k.created_at FROM tenant_context_keys k ORDER BY k.created_at, k.key_id $$
    `);
    await queryRunner.query(`COMMENT ON FUNCTION ${INSTALL} IS 'Installs a tenant-context key from its secret (32 to 64 bytes, passed as a bind parameter); true when added, false when already installed. Callable by the schema owner only.'`);
    await queryRunner.query(`COMMENT ON FUNCTION ${RETIRE} IS 'Removes a tenant-context key: proofs and contexts signed with it stop verifying at once. Callable by the schema owner only.'`);
    await queryRunner.query(`COMMENT ON FUNCTION ${LIST} IS 'Ids and install times of the tenant-context keys, never their secrets. Callable by the schema owner only.'`);
    for (const signature of KEY_FUNCTIONS) {
      await queryRunner.query(transferFunctionOwnershipSql(signature, TENANT_CONTEXT_ROLE));
      await queryRunner.query(`REVOKE ALL ON FUNCTION ${signature} FROM PUBLIC`);
      await queryRunner.query(grantToKeyTableOwnerSql(`GRANT EXECUTE ON FUNCTION ${signature} TO %I`));
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const signature of [...KEY_FUNCTIONS].reverse()) await queryRunner.query(`DROP FUNCTION IF EXISTS ${signature}`);
    await queryRunner.query(`DROP TABLE IF EXISTS tenant_context_keys`);
    await queryRunner.query(`REVOKE USAGE ON SCHEMA public FROM ${TENANT_CONTEXT_ROLE}`);
    await queryRunner.query(dropRoleIfUnusedSql(TENANT_CONTEXT_ROLE));
  }
}

/** Runs `statement` (with one %I) for the owner of tenant_context_keys: the migrating role. */
function grantToKeyTableOwnerSql(statement: string): string {
  return `
    DO $$
    BEGIN
      EXECUTE format('${statement.replaceAll("'", "''")}',
                     (SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                      WHERE c.oid = 'tenant_context_keys'::regclass));
    END
    $$`;
}
