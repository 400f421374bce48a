import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  ChainedLog,
  PINNED_SEARCH_PATH,
  applyRetentionFunctionSql,
  applyRetentionSignature,
  dropExpiredWrapperSql,
  retentionAnchorsFunctionSql,
  retentionAnchorsSignature,
  retentionGapsFunctionSql,
  retentionGapsSignature,
} from './support/audit-retention';
import { createRoleSql, dropRoleIfUnusedSql, transferFunctionOwnershipSql } from './support/roles';
import { forTableOwnerSql } from './support/table-owner';

/** Owns the system log's chain trigger and record_system_event(); may write that log only. */
export const SYSTEM_AUDIT_WRITER_ROLE = 'foundation_system_audit_writer';

/** The chains of the system audit log, one per kind of platform event (`system_audit_stream_enum`). */
export const SYSTEM_AUDIT_STREAMS = ['migrations', 'platform', 'login', 'keys', 'break_glass', 'audit'] as const;

const MAINTAINER = 'foundation_audit_maintainer';
const RECORD = 'record_system_event(text, text, text, uuid, text, text, jsonb)';
const ROW_HASH =
  'system_audit_log_row_hash(bytea, system_audit_stream_enum, uuid, bigint, timestamptz, text, text, text, uuid, text, text, jsonb)';

export const SYSTEM_AUDIT_LOG: ChainedLog = {
  table: 'system_audit_log',
  chains: 'system_audit_log_chains',
  key: 'stream',
  stem: 'system_audit_log',
  maintainer: MAINTAINER,
};

/** Roles whose SECURITY DEFINER functions record platform events (CreatePlatformOperations, CreateLoginResolution). */
const RECORDING_ROLES = ['foundation_tenant_registry', 'foundation_login_resolver'];

/**
 * The system audit log: platform-level events that belong to no tenant's trail. Migration runs,
 * reverts and repairs (who, when, name, checksum), platform operations, login resolutions, key
 * rotations and crypto-shredding, break-glass use of the DDL guard, and retention drops.
 *
 * - `system_audit_log` is append-only (the shared `reject_append_only_change()` triggers, ENABLE
 *   ALWAYS, on the parent and every partition), partitioned by month on `occurred_at`, and
 *   hash-chained per `stream` (`system_audit_log_chains`), like the user-action audit log. It has
 *   no `tenant_id` column: the tenant an event is about is `subject_tenant_id`, and no tenant
 *   can read the table. Forced row-level security with policies for two roles only: the writer
 *   and the audit maintainer; the application role has no privilege on it at all.
 * - Events are written by `record_system_event(stream, event_type, actor, subject_tenant_id,
 *   object_name, checksum, details)` (SECURITY DEFINER, owned by `foundation_system_audit_writer`,
 *   NOLOGIN). EXECUTE: the tables' owner (the migration runner, upkeep, key management), and the
 *   owners of the platform and login functions, which call it from inside those functions; never
 *   PUBLIC or the application role. `actor` defaults to the transaction's `app.actor` setting;
 *   `database_user` is set by the chain trigger to `session_user`, whatever the caller says.
 * - The chain trigger takes the database's clock for `occurred_at` (an explicit value more than
 *   5 seconds before the transaction began or after the current time is refused), refuses a
 *   duplicate key before ON CONFLICT could skip the row after the head moved, and links the row
 *   under a row lock on its stream's head. The default partition refuses every insert, so no
 *   month is ever stranded there: `create_system_audit_log_partitions(months_ahead)` must run
 *   ahead of time (`npm run audit-log -- partitions` does, for both logs).
 * - Retention is the path of every chained log (support/audit-retention.ts):
 *   `apply_system_audit_log_retention(retention)`.
 *
 * `down` refuses while the log holds any event but migration records (those describe the schema
 * changes a full revert undoes, and go with it).
 *
 * Locks: new objects only.
 */
export class CreateSystemAuditLog1754250060000 implements MigrationInterface {
  name = 'CreateSystemAuditLog1754250060000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(createRoleSql(SYSTEM_AUDIT_WRITER_ROLE));
    await q(`GRANT USAGE ON SCHEMA public TO ${SYSTEM_AUDIT_WRITER_ROLE}`);
    await q(`
      DO $$
      BEGIN
        IF to_regtype('system_audit_stream_enum') IS NULL THEN
          CREATE TYPE system_audit_stream_enum AS ENUM (${SYSTEM_AUDIT_STREAMS.map((s) => `'${s}'`).join(', ')});
        END IF;
      END
      $$
    `);
    await q(`
      CREATE TABLE IF NOT EXISTS system_audit_log (
        stream system_audit_stream_enum NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        occurred_at timestamptz NOT NULL DEFAULT now(),
        event_type text NOT NULL,
        database_user text NOT NULL,
        actor text,
        subject_tenant_id uuid,
        object_name text,
        checksum text,
        details jsonb NOT NULL DEFAULT '{}',
        chain_sequence bigint NOT NULL,
        previous_hash bytea NOT NULL,
        row_hash bytea NOT NULL,
        CONSTRAINT pk_system_audit_log PRIMARY KEY (occurred_at, id),
        CONSTRAINT chk_system_audit_log_event_type_format CHECK (event_type ~ '^[a-z][a-z0-9_]{0,40}([.][a-z][a-z0-9_]{0,40}){1,3}$'),
        CONSTRAINT chk_system_audit_log_actor_length CHECK (char_length(actor) BETWEEN 1 AND 200),
        CONSTRAINT chk_system_audit_log_object_name_length CHECK (char_length(object_name) BETWEEN 1 AND 300),
        CONSTRAINT chk_system_audit_log_checksum_length CHECK (char_length(checksum) BETWEEN 1 AND 200),
        CONSTRAINT chk_system_audit_log_details_object CHECK (jsonb_typeof(details) = 'object')
      ) PARTITION BY RANGE (occurred_at)
    `);
    await q(`CREATE INDEX IF NOT EXISTS ix_system_audit_log_chain ON system_audit_log (stream, chain_sequence)`);
    await q(`CREATE INDEX IF NOT EXISTS ix_system_audit_log_subject_tenant ON system_audit_log (subject_tenant_id, occurred_at)`);
    await q(`CREATE INDEX IF NOT EXISTS ix_system_audit_log_event_type ON system_audit_log (event_type, occurred_at)`);
    await q(`
      CREATE TABLE IF NOT EXISTS system_audit_log_chains (
        stream system_audit_stream_enum NOT NULL,
        last_sequence bigint NOT NULL DEFAULT 0,
        last_hash bytea NOT NULL,
        anchor_sequence bigint NOT NULL DEFAULT 0,
        anchor_hash bytea NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_system_audit_log_chains PRIMARY KEY (stream),
        CONSTRAINT chk_system_audit_log_chains_sequences CHECK (anchor_sequence >= 0 AND last_sequence >= anchor_sequence),
        CONSTRAINT chk_system_audit_log_chains_hash_length CHECK (octet_length(last_hash) = 32 AND octet_length(anchor_hash) = 32)
      )
    `);

    // Shared by both logs: the clock rule and the default partition's refusal.
    await q(`
      CREATE OR REPLACE FUNCTION audit_clock_refuse(occurred_at timestamptz, log_table text) RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        -- Importing a historic trail: a superuser session may keep the original times.
        IF current_setting('foundation.audit_historic_import', true) = 'on'
           AND (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user) THEN
          RETURN;
        END IF;
        RAISE EXCEPTION 'audit_occurred_at_clock: occurred_at of % is the database''s clock; % is more than 5 seconds before this transaction began (%) or after now (%)',
          log_table, occurred_at, now(), clock_timestamp()
          USING ERRCODE = 'check_violation', CONSTRAINT = 'audit_occurred_at_clock',
                HINT = 'Leave occurred_at to its default. An event cannot be dated back or ahead.';
      END
      $$
    `);
    await q(`COMMENT ON FUNCTION audit_clock_refuse(timestamptz, text) IS 'Chain triggers: refuses an occurred_at outside [transaction start - 5 s, now + 5 s] (rule audit_occurred_at_clock), except in a superuser''s historic import (foundation.audit_historic_import = on).'`);
    await q(`
      CREATE OR REPLACE FUNCTION refuse_audit_log_default_partition() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_partition_missing: no monthly partition of % holds occurred_at % (UTC month %)',
          TG_TABLE_NAME, NEW.occurred_at, to_char(NEW.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM')
          USING ERRCODE = 'check_violation', CONSTRAINT = 'audit_partition_missing',
                HINT = 'Create the coming months'' partitions ahead of time: npm run audit-log -- partitions (monthly). The default partition takes no rows, so no month is ever stranded in it.';
      END
      $$
    `);
    await q(`COMMENT ON FUNCTION refuse_audit_log_default_partition() IS 'Trigger function on the default partitions of the audit logs: refuses every row (rule audit_partition_missing), so that none is stranded where partition upkeep cannot reach it.'`);

    await q(`
      CREATE OR REPLACE FUNCTION system_audit_log_row_hash(
        previous_hash bytea, stream system_audit_stream_enum, id uuid, chain_sequence bigint, occurred_at timestamptz,
        event_type text, database_user text, actor text, subject_tenant_id uuid, object_name text, checksum text, details jsonb
      ) RETURNS bytea
      LANGUAGE sql STABLE AS $$
        -- The canonical form, as for user_action_audit_logs: a JSON array, times in UTC to the
        -- microsecond. src/audit/chain/canonical-row.ts recomputes it outside the database.
        SELECT sha256(previous_hash || convert_to(jsonb_build_array(
          stream, id, chain_sequence,
          to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          event_type, database_user, actor, subject_tenant_id, object_name, checksum, details
        )::text, 'UTF8'))
      $$
    `);
    await q(`COMMENT ON FUNCTION ${ROW_HASH} IS 'SHA-256 of the previous hash and the canonical JSON text of a system audit row.'`);
    await q(`
      CREATE OR REPLACE FUNCTION chain_system_audit_log() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$
      DECLARE
        head record;
      BEGIN
        IF NEW.occurred_at < now() - interval '5 seconds' OR NEW.occurred_at > clock_timestamp() + interval '5 seconds' THEN
          PERFORM audit_clock_refuse(NEW.occurred_at, 'system_audit_log');
        END IF;
        NEW.database_user := session_user;
        SELECT c.last_sequence, c.last_hash INTO head
        FROM system_audit_log_chains c WHERE c.stream = NEW.stream FOR UPDATE;
        IF NOT FOUND THEN
          INSERT INTO system_audit_log_chains (stream, last_hash, anchor_hash)
          VALUES (NEW.stream, decode(repeat('00', 32), 'hex'), decode(repeat('00', 32), 'hex'))
          ON CONFLICT (stream) DO NOTHING;
          SELECT c.last_sequence, c.last_hash INTO head
          FROM system_audit_log_chains c WHERE c.stream = NEW.stream FOR UPDATE;
        END IF;
        -- Under the head's lock: a duplicate key is refused here, before INSERT ... ON CONFLICT
        -- could skip the row after the head already moved past it.
        IF EXISTS (SELECT 1 FROM system_audit_log l WHERE l.occurred_at = NEW.occurred_at AND l.id = NEW.id) THEN
          RAISE EXCEPTION 'duplicate key value violates unique constraint "pk_system_audit_log": event % is already recorded', NEW.id
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'pk_system_audit_log';
        END IF;
        NEW.chain_sequence := head.last_sequence + 1;
        NEW.previous_hash := head.last_hash;
        NEW.row_hash := system_audit_log_row_hash(
          NEW.previous_hash, NEW.stream, NEW.id, NEW.chain_sequence, NEW.occurred_at, NEW.event_type, NEW.database_user,
          NEW.actor, NEW.subject_tenant_id, NEW.object_name, NEW.checksum, NEW.details);
        UPDATE system_audit_log_chains
        SET last_sequence = NEW.chain_sequence, last_hash = NEW.row_hash, updated_at = now()
        WHERE stream = NEW.stream;
        RETURN NEW;
      END
      $$
    `);
    await q(`COMMENT ON FUNCTION chain_system_audit_log() IS 'Trigger function: takes the database clock, refuses duplicates, and links each system audit row into its stream''s hash chain under a row lock on the chain head.'`);
    await q(`
      CREATE OR REPLACE TRIGGER trg_system_audit_log_chain
        BEFORE INSERT ON system_audit_log FOR EACH ROW EXECUTE FUNCTION chain_system_audit_log()
    `);
    await q(`
      CREATE OR REPLACE TRIGGER trg_system_audit_log_append_only
        BEFORE UPDATE OR DELETE ON system_audit_log FOR EACH ROW EXECUTE FUNCTION reject_append_only_change()
    `);
    await q(`
      CREATE OR REPLACE TRIGGER trg_system_audit_log_no_truncate
        BEFORE TRUNCATE ON system_audit_log FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change()
    `);
    for (const trigger of ['chain', 'append_only', 'no_truncate']) {
      await q(`ALTER TABLE system_audit_log ENABLE ALWAYS TRIGGER trg_system_audit_log_${trigger}`);
    }
    await q(`
      CREATE OR REPLACE FUNCTION protect_system_audit_log_partition(partition regclass) RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE format(
          'CREATE OR REPLACE TRIGGER trg_system_audit_log_no_truncate BEFORE TRUNCATE ON %s '
          'FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change()', partition);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER trg_system_audit_log_no_truncate', partition);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER trg_system_audit_log_append_only', partition);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER trg_system_audit_log_chain', partition);
      END
      $$
    `);
    await q(`COMMENT ON FUNCTION protect_system_audit_log_partition(regclass) IS 'Gives one partition of system_audit_log its TRUNCATE trigger and makes its triggers fire ALWAYS.'`);
    await q(`CREATE TABLE IF NOT EXISTS system_audit_log_default PARTITION OF system_audit_log DEFAULT`);
    await q(`SELECT protect_system_audit_log_partition('system_audit_log_default')`);
    await q(`
      CREATE OR REPLACE TRIGGER trg_system_audit_log_default_refuses
        BEFORE INSERT ON system_audit_log_default FOR EACH ROW EXECUTE FUNCTION refuse_audit_log_default_partition()
    `);
    await q(`ALTER TABLE system_audit_log_default ENABLE ALWAYS TRIGGER trg_system_audit_log_default_refuses`);
    await q(`
      CREATE OR REPLACE FUNCTION create_system_audit_log_partitions(months_ahead integer DEFAULT 3)
      RETURNS TABLE (partition_name text, outcome text)
      LANGUAGE plpgsql AS $$
      DECLARE
        first_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
        month_start timestamp;
        range_from timestamptz;
        range_to timestamptz;
      BEGIN
        IF months_ahead IS NULL OR months_ahead < 0 OR months_ahead > 120 THEN
          RAISE EXCEPTION 'months_ahead must be between 0 and 120, not %', months_ahead USING ERRCODE = '22023';
        END IF;
        FOR i IN 0..months_ahead LOOP
          month_start := first_month + make_interval(months => i);
          range_from := month_start AT TIME ZONE 'UTC';
          range_to := (month_start + interval '1 month') AT TIME ZONE 'UTC';
          partition_name := 'system_audit_log_y' || to_char(month_start, 'YYYY') || 'm' || to_char(month_start, 'MM');
          IF to_regclass(partition_name) IS NOT NULL THEN
            outcome := 'exists';
          ELSE
            -- The default partition takes no rows (trg_system_audit_log_default_refuses), so no
            -- month's rows can stand in the way of its partition.
            EXECUTE format('CREATE TABLE %I PARTITION OF system_audit_log FOR VALUES FROM (%L) TO (%L)',
                           partition_name, range_from, range_to);
            PERFORM protect_system_audit_log_partition(partition_name::regclass);
            EXECUTE format('COMMENT ON TABLE %I IS %L', partition_name,
                           'System audit rows of ' || to_char(month_start, 'YYYY-MM') || ' (UTC); append-only.');
            outcome := 'created';
          END IF;
          RETURN NEXT;
        END LOOP;
      END
      $$
    `);
    await q(`COMMENT ON FUNCTION create_system_audit_log_partitions(integer) IS 'Creates the monthly partitions of system_audit_log for the current UTC month and months_ahead more, idempotently; reports each month as created or exists.'`);
    await q(`SELECT * FROM create_system_audit_log_partitions(3)`);

    await q(`
      CREATE OR REPLACE FUNCTION record_system_event(
        stream text, event_type text, actor text DEFAULT NULL, subject_tenant_id uuid DEFAULT NULL,
        object_name text DEFAULT NULL, checksum text DEFAULT NULL, details jsonb DEFAULT '{}'
      ) RETURNS TABLE (id uuid, chain_sequence bigint, occurred_at timestamptz)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$
      BEGIN
        RETURN QUERY
          INSERT INTO system_audit_log AS l (stream, event_type, actor, subject_tenant_id, object_name, checksum, details)
          VALUES (stream::system_audit_stream_enum, event_type,
                  coalesce(actor, nullif(current_setting('app.actor', true), '')),
                  subject_tenant_id, object_name, checksum, coalesce(details, '{}'))
          RETURNING l.id, l.chain_sequence, l.occurred_at;
      END
      $$
    `);
    await q(`COMMENT ON FUNCTION ${RECORD} IS 'Records a platform-level event in the system audit log (append-only, hash-chained per stream). actor defaults to the app.actor setting; database_user is the session user. Callable by the audit tables'' owner and the platform and login functions only.'`);

    await q(`COMMENT ON TYPE system_audit_stream_enum IS 'Chains of the system audit log: migrations, platform, login, keys, break_glass, audit.'`);
    await q(`COMMENT ON TABLE system_audit_log IS 'Platform-level audit trail (migrations, platform operations, login resolutions, keys, break-glass, retention); append-only, partitioned by month, hash-chained per stream, readable by no tenant.'`);
    await q(`COMMENT ON TABLE system_audit_log_default IS 'Default partition of system_audit_log; refuses every row.'`);
    const columns: Record<string, string> = {
      stream: 'Chain the event belongs to: migrations, platform, login, keys, break_glass, audit.',
      id: 'Identifier of the event.',
      occurred_at: 'When the event was recorded, by the database clock; the partition key.',
      event_type: 'What happened, as dotted snake_case words: migration.run, platform.set_tenant_status, login.resolve...',
      database_user: 'Database login (session_user) that recorded the event; set by trigger.',
      actor: 'Who acted, as the caller states it (an operator, a deploy job); defaults to the app.actor setting.',
      subject_tenant_id: 'Tenant the event is about, if any; not a tenant key (no tenant can read this table).',
      object_name: 'What the event is about: a migration name, a key id, a partition...',
      checksum: 'Checksum of the object, for migrations (sha256 of the SQL applied).',
      details: 'Further facts as a JSON object.',
      chain_sequence: "Position of the row in its stream''s hash chain, from 1; set by trigger.",
      previous_hash: "row_hash of the previous row of the stream''s chain (32 zero bytes for the first); set by trigger.",
      row_hash: "SHA-256 of previous_hash and the row''s canonical contents; set by trigger.",
    };
    for (const [column, text] of Object.entries(columns)) await q(`COMMENT ON COLUMN system_audit_log.${column} IS '${text}'`);
    await q(`COMMENT ON TABLE system_audit_log_chains IS 'Head and retention anchor of each stream''s system audit hash chain; written only by the chain trigger and the retention function.'`);
    const chainColumns: Record<string, string> = {
      stream: 'Stream whose chain this is.',
      last_sequence: "chain_sequence of the stream''s latest row; 0 before the first.",
      last_hash: "row_hash of the stream''s latest row; 32 zero bytes before the first.",
      anchor_sequence: 'Last chain_sequence removed by retention; verification starts after it.',
      anchor_hash: 'row_hash of the last row removed by retention; the first remaining row must link to it.',
      updated_at: 'When the head or anchor last moved.',
    };
    for (const [column, text] of Object.entries(chainColumns)) await q(`COMMENT ON COLUMN system_audit_log_chains.${column} IS '${text}'`);

    // Who may do what: forced row-level security, a policy for the writer and the maintainer.
    for (const table of ['system_audit_log', 'system_audit_log_chains']) {
      await q(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    }
    await q(`GRANT SELECT, INSERT ON system_audit_log TO ${SYSTEM_AUDIT_WRITER_ROLE}`);
    await q(`GRANT SELECT, INSERT, UPDATE ON system_audit_log_chains TO ${SYSTEM_AUDIT_WRITER_ROLE}`);
    await q(`GRANT SELECT ON system_audit_log TO ${MAINTAINER}`);
    await q(`GRANT SELECT, UPDATE (anchor_sequence, anchor_hash, updated_at) ON system_audit_log_chains TO ${MAINTAINER}`);
    await q(`DROP POLICY IF EXISTS pol_system_audit_log_writer ON system_audit_log`);
    await q(`CREATE POLICY pol_system_audit_log_writer ON system_audit_log FOR ALL TO ${SYSTEM_AUDIT_WRITER_ROLE} USING (true) WITH CHECK (true)`);
    await q(`DROP POLICY IF EXISTS pol_system_audit_log_chains_writer ON system_audit_log_chains`);
    await q(`CREATE POLICY pol_system_audit_log_chains_writer ON system_audit_log_chains FOR ALL TO ${SYSTEM_AUDIT_WRITER_ROLE} USING (true) WITH CHECK (true)`);
    await q(`DROP POLICY IF EXISTS pol_system_audit_log_audit_maintenance ON system_audit_log`);
    await q(`CREATE POLICY pol_system_audit_log_audit_maintenance ON system_audit_log FOR SELECT TO ${MAINTAINER} USING (true)`);
    await q(`DROP POLICY IF EXISTS pol_system_audit_log_chains_audit_maintenance ON system_audit_log_chains`);
    await q(`CREATE POLICY pol_system_audit_log_chains_audit_maintenance ON system_audit_log_chains FOR ALL TO ${MAINTAINER} USING (true) WITH CHECK (true)`);

    // Retention, the same path as the user-action log's.
    await q(retentionGapsFunctionSql(SYSTEM_AUDIT_LOG));
    await q(retentionAnchorsFunctionSql(SYSTEM_AUDIT_LOG));
    await q(applyRetentionFunctionSql(SYSTEM_AUDIT_LOG));
    await q(dropExpiredWrapperSql(SYSTEM_AUDIT_LOG, 'drop_expired_system_audit_log_partitions'));
    await q(`COMMENT ON FUNCTION ${retentionGapsSignature(SYSTEM_AUDIT_LOG)} IS 'Retention: the streams whose rows in the given partitions are not the oldest contiguous part of their chain. Runs as foundation_audit_maintainer; callable by the audit tables'' owner only.'`);
    await q(`COMMENT ON FUNCTION ${retentionAnchorsSignature(SYSTEM_AUDIT_LOG)} IS 'Retention: moves each stream''s anchor to its last row in partitions that ended more than 6 years ago and hold its oldest contiguous part (55000 otherwise). Runs as foundation_audit_maintainer; callable by the audit tables'' owner only.'`);
    await q(`COMMENT ON FUNCTION ${applyRetentionSignature(SYSTEM_AUDIT_LOG)} IS 'Retention, the only removal path for system audit rows: drops whole monthly partitions that ended before now() - retention (at least 6 years) once they hold the oldest whole part of every chain; reports each as dropped or kept. Run by the table owner.'`);
    await q(`COMMENT ON FUNCTION drop_expired_system_audit_log_partitions(interval) IS 'Retention: the names of the system_audit_log partitions apply_system_audit_log_retention dropped. Run by the table owner.'`);

    for (const signature of [retentionGapsSignature(SYSTEM_AUDIT_LOG), retentionAnchorsSignature(SYSTEM_AUDIT_LOG)]) {
      await q(transferFunctionOwnershipSql(signature, MAINTAINER));
      await q(`REVOKE ALL ON FUNCTION ${signature} FROM PUBLIC`);
      await q(forTableOwnerSql('system_audit_log', `GRANT EXECUTE ON FUNCTION ${signature} TO %I`));
    }
    // The trigger function keeps PUBLIC's EXECUTE: a trigger function cannot be called directly,
    // and the tables' owner needs it to create partitions (which clone the trigger).
    await q(transferFunctionOwnershipSql('chain_system_audit_log()', SYSTEM_AUDIT_WRITER_ROLE));
    await q(transferFunctionOwnershipSql(RECORD, SYSTEM_AUDIT_WRITER_ROLE));
    await q(`REVOKE ALL ON FUNCTION ${RECORD} FROM PUBLIC`);
    await q(forTableOwnerSql('system_audit_log', `GRANT EXECUTE ON FUNCTION ${RECORD} TO %I`));
    for (const role of RECORDING_ROLES) await q(`GRANT EXECUTE ON FUNCTION ${RECORD} TO ${role}`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      DO $$
      BEGIN
        -- The migrations stream only records schema changes, which reverting undoes anyway (and
        -- a migration runner that records every run would otherwise make this revert impossible).
        IF to_regclass('system_audit_log') IS NOT NULL
           AND EXISTS (SELECT 1 FROM system_audit_log WHERE stream <> 'migrations') THEN
          RAISE EXCEPTION 'refusing to revert: system_audit_log holds audit rows other than migration records, which must be kept six years';
        END IF;
      END
      $$
    `);
    await q(`DROP FUNCTION IF EXISTS drop_expired_system_audit_log_partitions(interval)`);
    await q(`DROP FUNCTION IF EXISTS ${applyRetentionSignature(SYSTEM_AUDIT_LOG)}`);
    await q(`DROP FUNCTION IF EXISTS ${retentionAnchorsSignature(SYSTEM_AUDIT_LOG)}`);
    await q(`DROP FUNCTION IF EXISTS ${retentionGapsSignature(SYSTEM_AUDIT_LOG)}`);
    await q(`DROP FUNCTION IF EXISTS ${RECORD}`);
    await q(`DROP FUNCTION IF EXISTS create_system_audit_log_partitions(integer)`);
    await q(`DROP TABLE IF EXISTS system_audit_log`);
    await q(`DROP TABLE IF EXISTS system_audit_log_chains`);
    await q(`DROP FUNCTION IF EXISTS protect_system_audit_log_partition(regclass)`);
    await q(`DROP FUNCTION IF EXISTS chain_system_audit_log()`);
    await q(`DROP FUNCTION IF EXISTS ${ROW_HASH}`);
    await q(`DROP FUNCTION IF EXISTS refuse_audit_log_default_partition()`);
    await q(`DROP FUNCTION IF EXISTS audit_clock_refuse(timestamptz, text)`);
    await q(`DROP TYPE IF EXISTS system_audit_stream_enum`);
    await q(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${SYSTEM_AUDIT_WRITER_ROLE}') THEN
          REVOKE USAGE ON SCHEMA public FROM ${SYSTEM_AUDIT_WRITER_ROLE};
        END IF;
      END
      $$
    `);
    await q(dropRoleIfUnusedSql(SYSTEM_AUDIT_WRITER_ROLE));
  }
}
