import { MigrationInterface, QueryRunner } from 'typeorm';
import { PINNED_SEARCH_PATH } from './support/audit-retention';
import { createRoleSql, dropRoleIfUnusedSql, transferFunctionOwnershipSql } from './support/roles';
import { forTableOwnerSql } from './support/table-owner';

/** For the checkpoint and verification job's login: may call the chain-reading functions, nothing else. */
export const AUDIT_READER_ROLE = 'foundation_audit_reader';

const MAINTAINER = 'foundation_audit_maintainer';

/** The reading functions, owned by the maintainer; EXECUTE for the audit tables' owner and the reader. */
export const AUDIT_READING_FUNCTIONS = [
  'user_action_audit_log_chain_heads()',
  'user_action_audit_log_chain_rows(uuid, bigint, uuid, integer)',
  'user_action_audit_log_event_sequences(uuid, uuid)',
  'system_audit_log_chain_heads()',
  'system_audit_log_chain_rows(text, bigint, uuid, integer)',
  'system_audit_log_event_sequences(text, uuid)',
];

const UTC_TEXT = `to_char(l.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * What a verifier outside the database needs to check both audit logs itself: every chain's head
 * and anchor, and each chain's rows as the text their hash is computed from. Checkpoints and
 * verification (src/audit) recompute every hash from that text in Node, so they trust neither
 * the database's hash function nor its verdict, only the signed checkpoints they already hold.
 *
 * - `user_action_audit_log_chain_heads()` / `system_audit_log_chain_heads()`: one row per chain
 *   that has a head or rows (a chain whose head was removed is listed, with `has_head` false).
 * - `..._chain_rows(chain, after_sequence, after_id, max_rows)`: the chain's rows after
 *   (after_sequence, after_id) in (chain_sequence, id) order, at most max_rows (1 to 10000), every
 *   column as the canonical form writes it (occurred_at as UTC text to the microsecond, details
 *   as jsonb text, ip_address as text). Duplicated sequence numbers are all returned.
 * - `..._event_sequences(chain, event_id)`: where an event sits in its chain (for inclusion proofs).
 *
 * They run as `foundation_audit_maintainer` (SECURITY DEFINER, pinned search_path), which sees
 * every chain through its own policies. EXECUTE: the audit tables' owner, and
 * `foundation_audit_reader` (NOLOGIN, no other privilege), which a deployment grants to the login
 * its scheduled `audit-log checkpoint` and `verify` run as, so that job needs no owner rights.
 *
 * Locks: none on data; new functions only.
 */
export class CreateAuditChainReading1754250062000 implements MigrationInterface {
  name = 'CreateAuditChainReading1754250062000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(createRoleSql(AUDIT_READER_ROLE));
    await q(`GRANT USAGE ON SCHEMA public TO ${AUDIT_READER_ROLE}`);
    await q(`
      CREATE OR REPLACE FUNCTION user_action_audit_log_chain_heads()
      RETURNS TABLE (chain text, has_head boolean, last_sequence bigint, last_hash bytea, anchor_sequence bigint, anchor_hash bytea)
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$
        SELECT t.id::text, h.tenant_id IS NOT NULL, h.last_sequence, h.last_hash, h.anchor_sequence, h.anchor_hash
        FROM tenants t
        LEFT JOIN user_action_audit_log_chains h ON h.tenant_id = t.id
        WHERE h.tenant_id IS NOT NULL OR EXISTS (SELECT 1 FROM user_action_audit_logs l WHERE l.tenant_id = t.id)
        ORDER BY t.id
      $$
    `);
    await q(`
      CREATE OR REPLACE FUNCTION user_action_audit_log_chain_rows(tenant uuid, after_sequence bigint, after_id uuid, max_rows integer)
      RETURNS TABLE (chain_sequence bigint, id uuid, occurred_at text, tenant_id uuid, actor_user_id uuid, action text,
                     entity_type text, entity_id uuid, details text, request_id text, ip_address text, user_agent text,
                     previous_hash bytea, row_hash bytea)
      LANGUAGE plpgsql STABLE SECURITY DEFINER
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$
      BEGIN
        IF max_rows IS NULL OR max_rows NOT BETWEEN 1 AND 10000 THEN
          RAISE EXCEPTION 'max_rows must be between 1 and 10000' USING ERRCODE = '22023';
        END IF;
        RETURN QUERY
          SELECT l.chain_sequence, l.id, ${UTC_TEXT}, l.tenant_id, l.actor_user_id, l.action::text, l.entity_type,
                 l.entity_id, l.details::text, l.request_id, l.ip_address::text, l.user_agent, l.previous_hash, l.row_hash
          FROM user_action_audit_logs l
          WHERE l.tenant_id = tenant AND l.chain_sequence >= after_sequence
            AND (l.chain_sequence, l.id) > (after_sequence, after_id)
          ORDER BY l.chain_sequence, l.id
          LIMIT max_rows;
      END
      $$
    `);
    await q(`
      CREATE OR REPLACE FUNCTION user_action_audit_log_event_sequences(tenant uuid, event_id uuid)
      RETURNS SETOF bigint
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$ SELECT l.chain_sequence FROM user_action_audit_logs l WHERE l.tenant_id = tenant AND l.id = event_id ORDER BY 1 $$
    `);
    await q(`
      CREATE OR REPLACE FUNCTION system_audit_log_chain_heads()
      RETURNS TABLE (chain text, has_head boolean, last_sequence bigint, last_hash bytea, anchor_sequence bigint, anchor_hash bytea)
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$
        -- One index probe per stream (ix_system_audit_log_chain starts with stream).
        SELECT s.stream::text, h.stream IS NOT NULL, h.last_sequence, h.last_hash, h.anchor_sequence, h.anchor_hash
        FROM unnest(enum_range(NULL::system_audit_stream_enum)) AS s(stream)
        LEFT JOIN system_audit_log_chains h ON h.stream = s.stream
        WHERE h.stream IS NOT NULL OR EXISTS (SELECT 1 FROM system_audit_log l WHERE l.stream = s.stream)
        ORDER BY 1
      $$
    `);
    await q(`
      CREATE OR REPLACE FUNCTION system_audit_log_chain_rows(stream text, after_sequence bigint, after_id uuid, max_rows integer)
      RETURNS TABLE (chain_sequence bigint, id uuid, occurred_at text, event_type text, database_user text, actor text,
                     subject_tenant_id uuid, object_name text, checksum text, details text, previous_hash bytea, row_hash bytea)
      LANGUAGE plpgsql STABLE SECURITY DEFINER
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$
      BEGIN
        IF max_rows IS NULL OR max_rows NOT BETWEEN 1 AND 10000 THEN
          RAISE EXCEPTION 'max_rows must be between 1 and 10000' USING ERRCODE = '22023';
        END IF;
        RETURN QUERY
          SELECT l.chain_sequence, l.id, ${UTC_TEXT}, l.event_type, l.database_user, l.actor, l.subject_tenant_id,
                 l.object_name, l.checksum, l.details::text, l.previous_hash, l.row_hash
          FROM system_audit_log l
          WHERE l.stream = system_audit_log_chain_rows.stream::system_audit_stream_enum AND l.chain_sequence >= after_sequence
            AND (l.chain_sequence, l.id) > (after_sequence, after_id)
          ORDER BY l.chain_sequence, l.id
          LIMIT max_rows;
      END
      $$
    `);
    await q(`
      CREATE OR REPLACE FUNCTION system_audit_log_event_sequences(stream text, event_id uuid)
      RETURNS SETOF bigint
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$
        SELECT l.chain_sequence FROM system_audit_log l
        WHERE l.stream = system_audit_log_event_sequences.stream::system_audit_stream_enum AND l.id = event_id ORDER BY 1
      $$
    `);
    const comments: Record<string, string> = {
      'user_action_audit_log_chain_heads()': 'Verification: head and anchor of every tenant chain of user_action_audit_logs (has_head false when the head is gone).',
      'user_action_audit_log_chain_rows(uuid, bigint, uuid, integer)': "Verification: a tenant chain''s rows after (after_sequence, after_id), as the text their hashes are computed from.",
      'user_action_audit_log_event_sequences(uuid, uuid)': 'Inclusion proofs: the chain sequence(s) of one event of a tenant.',
      'system_audit_log_chain_heads()': 'Verification: head and anchor of every stream chain of system_audit_log.',
      'system_audit_log_chain_rows(text, bigint, uuid, integer)': "Verification: a stream chain''s rows after (after_sequence, after_id), as the text their hashes are computed from.",
      'system_audit_log_event_sequences(text, uuid)': 'Inclusion proofs: the chain sequence(s) of one system event.',
    };
    for (const signature of AUDIT_READING_FUNCTIONS) {
      await q(`COMMENT ON FUNCTION ${signature} IS '${comments[signature]} Runs as foundation_audit_maintainer; callable by the audit tables'' owner and foundation_audit_reader.'`);
      await q(transferFunctionOwnershipSql(signature, MAINTAINER));
      await q(`REVOKE ALL ON FUNCTION ${signature} FROM PUBLIC`);
      await q(forTableOwnerSql('user_action_audit_logs', `GRANT EXECUTE ON FUNCTION ${signature} TO %I`));
      await q(`GRANT EXECUTE ON FUNCTION ${signature} TO ${AUDIT_READER_ROLE}`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const signature of [...AUDIT_READING_FUNCTIONS].reverse()) await queryRunner.query(`DROP FUNCTION IF EXISTS ${signature}`);
    await queryRunner.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${AUDIT_READER_ROLE}') THEN
          REVOKE USAGE ON SCHEMA public FROM ${AUDIT_READER_ROLE};
        END IF;
      END
      $$
    `);
    await queryRunner.query(dropRoleIfUnusedSql(AUDIT_READER_ROLE));
  }
}
