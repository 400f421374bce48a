import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tamper evidence for `user_action_audit_logs`: one hash chain per tenant.
 *
 * - `user_action_audit_log_chains` holds each tenant's chain head (last sequence and hash) and
 *   its retention anchor (the last sequence and hash dropped by retention).
 * - The BEFORE INSERT trigger `trg_user_action_audit_logs_chain` locks the tenant's head row
 *   (created on first use by INSERT ... ON CONFLICT DO NOTHING, then SELECT ... FOR UPDATE),
 *   so concurrent inserts of one tenant queue up and cannot fork the chain; other tenants are
 *   not blocked. It sets `chain_sequence` = head + 1, `previous_hash` = head hash and
 *   `row_hash` = sha256(previous_hash || canonical contents). The lock is held until the
 *   inserting transaction ends: record audit events as the last statement of a transaction.
 *   The function is SECURITY DEFINER with a pinned search_path, so a role that may only
 *   INSERT and SELECT the audit table (no rights on the chain table) can still insert.
 * - `verify_audit_log_chain(tenant)` walks the chain from the retention anchor and returns
 *   the first broken row with the reason (changed, missing, reordered), or nothing.
 * - `drop_expired_audit_log_partitions(retention)` is the only removal path: it moves the
 *   anchors past the rows it removes, then detaches and drops whole monthly partitions that
 *   ended before now() - retention (at least six years). Run by the table owner.
 *
 * Locks: new objects only, plus a foreign key to `tenants` and a trigger on the (new)
 * audit table. `down` refuses to drop chain heads that exist.
 */
export class CreateAuditLogChains1754250026000 implements MigrationInterface {
  name = 'CreateAuditLogChains1754250026000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS user_action_audit_log_chains (
        tenant_id uuid NOT NULL,
        last_sequence bigint NOT NULL DEFAULT 0,
        last_hash bytea NOT NULL,
        anchor_sequence bigint NOT NULL DEFAULT 0,
        anchor_hash bytea NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_user_action_audit_log_chains PRIMARY KEY (tenant_id),
        CONSTRAINT fk_user_action_audit_log_chains_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT chk_user_action_audit_log_chains_sequences CHECK (anchor_sequence >= 0 AND last_sequence >= anchor_sequence),
        CONSTRAINT chk_user_action_audit_log_chains_hash_length CHECK (octet_length(last_hash) = 32 AND octet_length(anchor_hash) = 32)
      )
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION audit_log_row_hash(
        previous_hash bytea, tenant_id uuid, id uuid, chain_sequence bigint, occurred_at timestamptz,
        actor_user_id uuid, action audit_action_enum, entity_type text, entity_id uuid, details jsonb,
        request_id text, ip_address inet, user_agent text
      ) RETURNS bytea
      LANGUAGE sql STABLE AS $$
        -- A JSON array is the canonical form: strings are quoted and escaped, so no two rows
        -- give the same text. The time is written in UTC to the microsecond, whatever the
        -- session's TimeZone.
        SELECT sha256(previous_hash || convert_to(jsonb_build_array(
          tenant_id, id, chain_sequence,
          to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          actor_user_id, action, entity_type, entity_id, details, request_id, ip_address::text, user_agent
        )::text, 'UTF8'))
      $$
    `);
    await queryRunner.query(`
      COMMENT ON FUNCTION audit_log_row_hash(bytea, uuid, uuid, bigint, timestamptz, uuid, audit_action_enum, text, uuid, jsonb, text, inet, text) IS 'SHA-256 of the previous hash and the canonical JSON text of an audit row; used by the chain trigger and by verification.'
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION chain_user_action_audit_log() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER AS $$
      DECLARE
        head record;
      BEGIN
        -- A new chain starts from 32 zero bytes.
        INSERT INTO user_action_audit_log_chains (tenant_id, last_hash, anchor_hash)
        VALUES (NEW.tenant_id, decode(repeat('00', 32), 'hex'), decode(repeat('00', 32), 'hex'))
        ON CONFLICT (tenant_id) DO NOTHING;
        SELECT c.last_sequence, c.last_hash INTO head
        FROM user_action_audit_log_chains c WHERE c.tenant_id = NEW.tenant_id
        FOR UPDATE;
        NEW.chain_sequence := head.last_sequence + 1;
        NEW.previous_hash := head.last_hash;
        NEW.row_hash := audit_log_row_hash(
          NEW.previous_hash, NEW.tenant_id, NEW.id, NEW.chain_sequence, NEW.occurred_at, NEW.actor_user_id,
          NEW.action, NEW.entity_type, NEW.entity_id, NEW.details, NEW.request_id, NEW.ip_address, NEW.user_agent);
        UPDATE user_action_audit_log_chains
        SET last_sequence = NEW.chain_sequence, last_hash = NEW.row_hash, updated_at = now()
        WHERE tenant_id = NEW.tenant_id;
        RETURN NEW;
      END;
      $$
    `);
    // SECURITY DEFINER needs a fixed search_path (else a caller could shadow the chain table);
    // it is pinned to the schema the migration runs in.
    await queryRunner.query(`
      DO $$
      BEGIN
        EXECUTE format('ALTER FUNCTION chain_user_action_audit_log() SET search_path = pg_catalog, %I, pg_temp', current_schema());
      END
      $$
    `);
    await queryRunner.query(`
      COMMENT ON FUNCTION chain_user_action_audit_log() IS 'Trigger function: links each new audit row into its tenant''s hash chain under a row lock on the chain head.'
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_user_action_audit_logs_chain
        BEFORE INSERT ON user_action_audit_logs
        FOR EACH ROW EXECUTE FUNCTION chain_user_action_audit_log()
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION verify_audit_log_chain(tenant uuid)
      RETURNS TABLE (sequence_number bigint, row_id uuid, problem text)
      LANGUAGE plpgsql STABLE AS $$
      DECLARE
        chain record;
        r record;
        expected bigint;
        prev_hash bytea;
        prev_id uuid;
      BEGIN
        SELECT * INTO chain FROM user_action_audit_log_chains c WHERE c.tenant_id = tenant;
        IF NOT FOUND THEN
          -- No head: either no events at all, or the head was removed.
          SELECT l.chain_sequence, l.id INTO r FROM user_action_audit_logs l
          WHERE l.tenant_id = tenant ORDER BY l.chain_sequence LIMIT 1;
          IF FOUND THEN
            sequence_number := r.chain_sequence; row_id := r.id; problem := 'changed: the tenant''s chain head is missing';
            RETURN NEXT;
          END IF;
          RETURN;
        END IF;
        expected := chain.anchor_sequence + 1;
        prev_hash := chain.anchor_hash;
        FOR r IN
          SELECT l.* FROM user_action_audit_logs l
          WHERE l.tenant_id = tenant AND l.chain_sequence > chain.anchor_sequence
          ORDER BY l.chain_sequence, l.id
        LOOP
          IF r.chain_sequence < expected THEN
            sequence_number := r.chain_sequence; row_id := r.id; problem := 'reordered: sequence number used twice';
            RETURN NEXT; RETURN;
          END IF;
          IF r.chain_sequence > expected THEN
            sequence_number := expected; row_id := NULL; problem := 'missing';
            RETURN NEXT; RETURN;
          END IF;
          IF r.previous_hash IS DISTINCT FROM prev_hash THEN
            IF EXISTS (SELECT 1 FROM user_action_audit_logs o WHERE o.tenant_id = tenant AND o.row_hash = r.previous_hash) THEN
              -- It links to another row of the chain, just not to the one before it.
              sequence_number := r.chain_sequence; row_id := r.id; problem := 'reordered';
            ELSIF prev_id IS NOT NULL THEN
              -- The row before was changed and its hash recomputed to hide it.
              sequence_number := r.chain_sequence - 1; row_id := prev_id; problem := 'changed';
            ELSE
              sequence_number := r.chain_sequence; row_id := r.id; problem := 'changed: does not link to the retention anchor';
            END IF;
            RETURN NEXT; RETURN;
          END IF;
          IF r.row_hash IS DISTINCT FROM audit_log_row_hash(
               r.previous_hash, r.tenant_id, r.id, r.chain_sequence, r.occurred_at, r.actor_user_id, r.action,
               r.entity_type, r.entity_id, r.details, r.request_id, r.ip_address, r.user_agent) THEN
            sequence_number := r.chain_sequence; row_id := r.id; problem := 'changed';
            RETURN NEXT; RETURN;
          END IF;
          prev_hash := r.row_hash;
          prev_id := r.id;
          expected := expected + 1;
        END LOOP;
        IF expected - 1 < chain.last_sequence THEN
          sequence_number := expected; row_id := NULL; problem := 'missing';
          RETURN NEXT; RETURN;
        END IF;
        IF prev_hash IS DISTINCT FROM chain.last_hash THEN
          sequence_number := expected - 1; row_id := prev_id; problem := 'changed: does not match the chain head';
          RETURN NEXT;
        END IF;
      END;
      $$
    `);
    await queryRunner.query(`
      COMMENT ON FUNCTION verify_audit_log_chain(uuid) IS 'Walks a tenant''s audit chain from its retention anchor; returns the first changed, missing or reordered row, or no row when intact.'
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION drop_expired_audit_log_partitions(retention interval DEFAULT interval '6 years')
      RETURNS SETOF text
      LANGUAGE plpgsql AS $$
      DECLARE
        part record;
        cutoff timestamptz := now() - retention;
      BEGIN
        IF retention IS NULL OR now() - retention > now() - interval '6 years' THEN
          RAISE EXCEPTION 'retention must be at least 6 years (45 CFR 164.316(b)(2)), not %', retention;
        END IF;
        FOR part IN
          SELECT c.oid::regclass AS partition, c.relname,
                 substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \\(''([^'']+)''\\)')::timestamptz AS range_to
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'user_action_audit_logs'::regclass
            AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
          ORDER BY 3
        LOOP
          CONTINUE WHEN part.range_to > cutoff;
          -- Move each tenant's anchor past the rows about to go, so verification starts at
          -- the first remaining row and still notices a row removed any other way.
          EXECUTE format($q$
            UPDATE user_action_audit_log_chains c
            SET anchor_sequence = d.chain_sequence, anchor_hash = d.row_hash, updated_at = now()
            FROM (SELECT DISTINCT ON (tenant_id) tenant_id, chain_sequence, row_hash FROM %s
                  ORDER BY tenant_id, chain_sequence DESC) d
            WHERE c.tenant_id = d.tenant_id AND d.chain_sequence > c.anchor_sequence
          $q$, part.partition);
          EXECUTE format('ALTER TABLE user_action_audit_logs DETACH PARTITION %s', part.partition);
          EXECUTE format('DROP TABLE %s', part.partition);
          RETURN NEXT part.relname::text;
        END LOOP;
      END;
      $$
    `);
    await queryRunner.query(`
      COMMENT ON FUNCTION drop_expired_audit_log_partitions(interval) IS 'Retention, the only removal path for audit rows: drops whole monthly partitions that ended before now() - retention (at least 6 years), moving chain anchors past them. Run by the table owner.'
    `);
    await queryRunner.query(`COMMENT ON TABLE user_action_audit_log_chains IS 'Head and retention anchor of each tenant''s audit hash chain; written only by the chain trigger and the retention function.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_log_chains.tenant_id IS 'Tenant whose chain this is.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_log_chains.last_sequence IS 'chain_sequence of the tenant''s latest audit row; 0 before the first.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_log_chains.last_hash IS 'row_hash of the tenant''s latest audit row; 32 zero bytes before the first.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_log_chains.anchor_sequence IS 'Last chain_sequence removed by retention; verification starts after it.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_log_chains.anchor_hash IS 'row_hash of the last row removed by retention; the first remaining row must link to it.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_log_chains.updated_at IS 'When the head or anchor last moved.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regclass('user_action_audit_log_chains') IS NOT NULL AND EXISTS (SELECT 1 FROM user_action_audit_log_chains) THEN
          RAISE EXCEPTION 'refusing to revert: user_action_audit_log_chains holds the chain heads of recorded audit rows';
        END IF;
      END
      $$
    `);
    await queryRunner.query(`DROP FUNCTION IF EXISTS drop_expired_audit_log_partitions(interval)`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS verify_audit_log_chain(uuid)`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_user_action_audit_logs_chain ON user_action_audit_logs`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS chain_user_action_audit_log()`);
    await queryRunner.query(
      `DROP FUNCTION IF EXISTS audit_log_row_hash(bytea, uuid, uuid, bigint, timestamptz, uuid, audit_action_enum, text, uuid, jsonb, text, inet, text)`,
    );
    await queryRunner.query(`DROP TABLE IF EXISTS user_action_audit_log_chains`);
  }
}
