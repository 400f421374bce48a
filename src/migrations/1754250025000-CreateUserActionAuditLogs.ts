import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `user_action_audit_logs`: who did what to which record, kept six years (HIPAA,
 * 45 CFR 164.316(b)(2) and 164.312(b)).
 *
 * - Declaratively partitioned by month on `occurred_at`, with a DEFAULT partition so an insert
 *   never fails for want of a partition. `create_audit_log_partitions(months_ahead)` creates
 *   the coming months' partitions (this migration calls it for the current month and three
 *   ahead; `npm run audit-log -- partitions` calls it from a scheduled job).
 * - Append-only, for every role including the owner and superusers: a BEFORE UPDATE OR DELETE
 *   row trigger (cloned onto every partition by PostgreSQL) and a BEFORE TRUNCATE statement
 *   trigger on the parent and on each partition (statement triggers are not cloned) raise.
 *   They are `ENABLE ALWAYS`, so `session_replication_role = replica` does not skip them. The
 *   only removal path is dropping whole expired partitions (`drop_expired_audit_log_partitions`,
 *   next migration), by the owner.
 * - `actor_user_id` has no foreign key on purpose: ON DELETE SET NULL would have to UPDATE an
 *   append-only row (and fail), and RESTRICT would make users undeletable forever. The id is
 *   kept as recorded, even after the user is gone.
 * - The foreign key to `tenants` is ON DELETE RESTRICT: a tenant with audit rows cannot be
 *   deleted, and a cascade would be refused by the append-only trigger anyway.
 * - `chain_sequence`, `previous_hash` and `row_hash` are the tamper-evidence hash chain, filled
 *   by the trigger that the next migration (CreateAuditLogChains1754250026000) adds; they are
 *   NOT NULL, so a row can never be stored without its link.
 *
 * Locks: new objects only, plus a foreign key to `tenants` (brief SHARE ROW EXCLUSIVE lock).
 * `down` refuses to drop a table that holds audit rows.
 */
export class CreateUserActionAuditLogs1754250025000 implements MigrationInterface {
  name = 'CreateUserActionAuditLogs1754250025000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regtype('audit_action_enum') IS NULL THEN
          CREATE TYPE audit_action_enum AS ENUM (
            'create', 'read', 'update', 'delete', 'restore', 'login', 'logout', 'login_failed',
            'export', 'print', 'share', 'permission_change', 'break_glass'
          );
        END IF;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS user_action_audit_logs (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        occurred_at timestamptz NOT NULL DEFAULT now(),
        actor_user_id uuid,
        action audit_action_enum NOT NULL,
        entity_type text NOT NULL,
        entity_id uuid,
        details jsonb NOT NULL DEFAULT '{}',
        request_id text,
        ip_address inet,
        user_agent text,
        chain_sequence bigint NOT NULL,
        previous_hash bytea NOT NULL,
        row_hash bytea NOT NULL,
        CONSTRAINT pk_user_action_audit_logs PRIMARY KEY (tenant_id, occurred_at, id),
        CONSTRAINT fk_user_action_audit_logs_tenant_id FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT,
        CONSTRAINT chk_user_action_audit_logs_entity_type_format CHECK (entity_type ~ '^[a-z][a-z0-9_]{0,62}$'),
        CONSTRAINT chk_user_action_audit_logs_details_object CHECK (jsonb_typeof(details) = 'object'),
        CONSTRAINT chk_user_action_audit_logs_request_id_length CHECK (char_length(request_id) BETWEEN 1 AND 200),
        CONSTRAINT chk_user_action_audit_logs_user_agent_length CHECK (char_length(user_agent) <= 1000)
      ) PARTITION BY RANGE (occurred_at)
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_user_action_audit_logs_entity
        ON user_action_audit_logs (tenant_id, entity_type, entity_id, occurred_at)
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_user_action_audit_logs_actor
        ON user_action_audit_logs (tenant_id, actor_user_id, occurred_at)
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_user_action_audit_logs_chain
        ON user_action_audit_logs (tenant_id, chain_sequence)
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS ix_user_action_audit_logs_details ON user_action_audit_logs USING gin (details)
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION reject_append_only_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'append-only: % on % is not allowed; audit rows are never changed or removed',
          TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'restrict_violation',
                HINT = 'The only way to remove audit rows is the retention path: '
                       'drop_expired_audit_log_partitions() drops whole partitions older than the retention period (six years), run by the table owner.';
      END;
      $$
    `);
    await queryRunner.query(`
      COMMENT ON FUNCTION reject_append_only_change() IS 'Trigger function: rejects UPDATE, DELETE and TRUNCATE on append-only tables, naming the retention path.'
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_user_action_audit_logs_append_only
        BEFORE UPDATE OR DELETE ON user_action_audit_logs
        FOR EACH ROW EXECUTE FUNCTION reject_append_only_change()
    `);
    await queryRunner.query(`
      CREATE OR REPLACE TRIGGER trg_user_action_audit_logs_no_truncate
        BEFORE TRUNCATE ON user_action_audit_logs
        FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change()
    `);
    await queryRunner.query(`ALTER TABLE user_action_audit_logs ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_append_only`);
    await queryRunner.query(`ALTER TABLE user_action_audit_logs ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_no_truncate`);
    // Each partition gets its own TRUNCATE trigger (statement triggers are not cloned), and the
    // cloned row trigger is set to fire ALWAYS on it too, whatever the server version copies.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION protect_audit_log_partition(partition regclass) RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE format(
          'CREATE OR REPLACE TRIGGER trg_user_action_audit_logs_no_truncate BEFORE TRUNCATE ON %s '
          'FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change()', partition);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_no_truncate', partition);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_append_only', partition);
      END;
      $$
    `);
    await queryRunner.query(`
      COMMENT ON FUNCTION protect_audit_log_partition(regclass) IS 'Gives one partition of user_action_audit_logs its TRUNCATE trigger and makes its append-only triggers fire ALWAYS.'
    `);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS user_action_audit_logs_default PARTITION OF user_action_audit_logs DEFAULT
    `);
    await queryRunner.query(`SELECT protect_audit_log_partition('user_action_audit_logs_default')`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION create_audit_log_partitions(months_ahead integer DEFAULT 3)
      RETURNS TABLE (partition_name text, outcome text)
      LANGUAGE plpgsql AS $$
      DECLARE
        first_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
        month_start timestamp;
        range_from timestamptz;
        range_to timestamptz;
        stranded bigint;
      BEGIN
        IF months_ahead IS NULL OR months_ahead < 0 OR months_ahead > 120 THEN
          RAISE EXCEPTION 'months_ahead must be between 0 and 120, not %', months_ahead;
        END IF;
        FOR i IN 0..months_ahead LOOP
          month_start := first_month + make_interval(months => i);
          range_from := month_start AT TIME ZONE 'UTC';
          range_to := (month_start + interval '1 month') AT TIME ZONE 'UTC';
          partition_name := 'user_action_audit_logs_y' || to_char(month_start, 'YYYY') || 'm' || to_char(month_start, 'MM');
          IF to_regclass(partition_name) IS NOT NULL THEN
            outcome := 'exists';
          ELSE
            -- Attaching a range whose rows already sit in the default partition fails, and
            -- moving them would mean deleting audit rows. Such a month is skipped and reported;
            -- its rows stay (and keep arriving) in the default partition, still append-only.
            SELECT count(*) INTO stranded FROM user_action_audit_logs_default
            WHERE occurred_at >= range_from AND occurred_at < range_to;
            IF stranded > 0 THEN
              outcome := format('skipped: %s rows of this month are in user_action_audit_logs_default', stranded);
              RAISE WARNING '% %', partition_name, outcome;
            ELSE
              EXECUTE format('CREATE TABLE %I PARTITION OF user_action_audit_logs FOR VALUES FROM (%L) TO (%L)',
                             partition_name, range_from, range_to);
              PERFORM protect_audit_log_partition(partition_name::regclass);
              EXECUTE format('COMMENT ON TABLE %I IS %L', partition_name,
                             'Audit rows of ' || to_char(month_start, 'YYYY-MM') || ' (UTC); append-only.');
              outcome := 'created';
            END IF;
          END IF;
          RETURN NEXT;
        END LOOP;
      END;
      $$
    `);
    await queryRunner.query(`
      COMMENT ON FUNCTION create_audit_log_partitions(integer) IS 'Creates the monthly partitions of user_action_audit_logs for the current UTC month and months_ahead more, idempotently; reports each month as created, exists or skipped.'
    `);
    await queryRunner.query(`SELECT * FROM create_audit_log_partitions(3)`);
    await queryRunner.query(`COMMENT ON TABLE user_action_audit_logs IS 'HIPAA audit trail: who did what to which record; append-only, partitioned by month, hash-chained per tenant, kept six years.'`);
    await queryRunner.query(`COMMENT ON TABLE user_action_audit_logs_default IS 'Audit rows outside every monthly partition; append-only.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_logs.tenant_id IS 'Tenant the event belongs to.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_logs.id IS 'Identifier of the event.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_logs.occurred_at IS 'When the event happened; the partition key.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_logs.actor_user_id IS 'User who acted, as recorded; no foreign key, so it survives the user; NULL for the system.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_logs.action IS 'What was done: create, read, update, delete, login, export, permission_change...'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_logs.entity_type IS 'Kind of record acted on, as a snake_case name such as client or facility.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_logs.entity_id IS 'Id of the record acted on; NULL for events about no single record (login).'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_logs.details IS 'Further facts about the event as a JSON object (changed fields, export format...).'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_logs.request_id IS 'Id of the request that caused the event, to correlate with application logs.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_logs.ip_address IS 'Client IP address of the request.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_logs.user_agent IS 'User-Agent of the request, at most 1000 characters.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_logs.chain_sequence IS 'Position of the row in its tenant''s hash chain, from 1; set by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_logs.previous_hash IS 'row_hash of the previous row of the tenant''s chain (32 zero bytes for the first); set by trigger.'`);
    await queryRunner.query(`COMMENT ON COLUMN user_action_audit_logs.row_hash IS 'SHA-256 of previous_hash and the row''s canonical contents; set by trigger.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF to_regclass('user_action_audit_logs') IS NOT NULL AND EXISTS (SELECT 1 FROM user_action_audit_logs) THEN
          RAISE EXCEPTION 'refusing to revert: user_action_audit_logs holds audit rows, which must be kept six years';
        END IF;
      END
      $$
    `);
    await queryRunner.query(`DROP FUNCTION IF EXISTS create_audit_log_partitions(integer)`);
    await queryRunner.query(`DROP TABLE IF EXISTS user_action_audit_logs`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS protect_audit_log_partition(regclass)`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS reject_append_only_change()`);
    await queryRunner.query(`DROP TYPE IF EXISTS audit_action_enum`);
  }
}
