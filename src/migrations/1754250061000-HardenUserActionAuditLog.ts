import { MigrationInterface, QueryRunner } from 'typeorm';
import { CreateUserActionAuditLogs1754250025000 } from './1754250025000-CreateUserActionAuditLogs';
import { CreateAuditLogChains1754250026000 } from './1754250026000-CreateAuditLogChains';
import { CreateAuditMaintenance1754250036000 } from './1754250036000-CreateAuditMaintenance';
import {
  ChainedLog,
  applyRetentionFunctionSql,
  applyRetentionSignature,
  dropExpiredWrapperSql,
  retentionAnchorsFunctionSql,
  retentionAnchorsSignature,
  retentionGapsFunctionSql,
  retentionGapsSignature,
  PINNED_SEARCH_PATH,
} from './support/audit-retention';
import { landedStatement } from './support/landed-sql';
import { transferFunctionOwnershipSql } from './support/roles';
import { forTableOwnerSql } from './support/table-owner';

const MAINTAINER = 'foundation_audit_maintainer';

export const USER_ACTION_AUDIT_LOG: ChainedLog = {
  table: 'user_action_audit_logs',
  chains: 'user_action_audit_log_chains',
  key: 'tenant_id',
  stem: 'audit_log',
  maintainer: MAINTAINER,
};

const SINGLE_ANCHORS = 'record_audit_log_retention_anchors(regclass)';

/**
 * Closes three ways the user-action audit log gave way to the application and to time:
 *
 * - **A link for a row that is never stored.** The chain trigger runs BEFORE INSERT, and INSERT
 *   ... ON CONFLICT DO NOTHING decides after it: a skipped row left the head one step ahead of
 *   the stored rows forever. The trigger now looks for the row's key under the head's lock and
 *   raises unique_violation itself, so ON CONFLICT never gets to skip a row (the only unique key
 *   is the primary key; every other INSERT form, INSERT ... SELECT, COPY and multi-row VALUES,
 *   stores every row it links, in order). It also reads the head before trying to create it,
 *   which saves a speculative insertion on every event, and fires ALWAYS.
 * - **The caller's clock.** `occurred_at` is the database's: an explicit value more than 5
 *   seconds before the transaction began or after the current time is refused (rule
 *   `audit_occurred_at_clock`), so no event is dated back into an expired month or ahead into
 *   the default partition. A superuser importing a historic trail may keep its times
 *   (`SET LOCAL foundation.audit_historic_import = on`).
 * - **Stranded months and broken retention.** The default partition now refuses every row
 *   (`trg_user_action_audit_logs_default_refuses`, rule `audit_partition_missing`), so no month
 *   can land where `create_audit_log_partitions()` would skip it and retention never look.
 *   Retention (`apply_audit_log_retention(retention)`, with `drop_expired_audit_log_partitions`
 *   kept as its name-returning wrapper) drops expired partitions only together with every older
 *   one and only once they hold, for every tenant, exactly the oldest remaining part of its chain;
 *   `record_audit_log_retention_anchors` and `anchor_audit_log_retention` refuse anything else (SQLSTATE 55000). Each drop is
 *   recorded in the system audit log.
 *
 * Rows already in the default partition stay there (still append-only and chained); the
 * partition upkeep keeps reporting their month as skipped.
 *
 * Locks: CREATE TRIGGER and ALTER TABLE ... ENABLE ALWAYS TRIGGER take brief SHARE ROW
 * EXCLUSIVE locks on the audit table and its partitions (catalog only); functions are replaced
 * in place.
 */
export class HardenUserActionAuditLog1754250061000 implements MigrationInterface {
  name = 'HardenUserActionAuditLog1754250061000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE OR REPLACE FUNCTION chain_user_action_audit_log() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER AS $$
      DECLARE
        head record;
      BEGIN
        -- occurred_at is the database's clock (audit_clock_refuse explains, or lets a superuser's historic import pass).
        IF NEW.occurred_at < now() - interval '5 seconds' OR NEW.occurred_at > clock_timestamp() + interval '5 seconds' THEN
          PERFORM audit_clock_refuse(NEW.occurred_at, 'user_action_audit_logs');
        END IF;
        -- The head exists after a tenant's first event: read and lock it first, create it only when missing.
        SELECT c.last_sequence, c.last_hash INTO head
        FROM user_action_audit_log_chains c WHERE c.tenant_id = NEW.tenant_id
        FOR UPDATE;
        IF NOT FOUND THEN
          -- A new chain starts from 32 zero bytes.
          INSERT INTO user_action_audit_log_chains (tenant_id, last_hash, anchor_hash)
          VALUES (NEW.tenant_id, decode(repeat('00', 32), 'hex'), decode(repeat('00', 32), 'hex'))
          ON CONFLICT (tenant_id) DO NOTHING;
          SELECT c.last_sequence, c.last_hash INTO head
          FROM user_action_audit_log_chains c WHERE c.tenant_id = NEW.tenant_id
          FOR UPDATE;
        END IF;
        -- Under the head's lock (so a concurrent insert of the same key has committed or is
        -- waiting behind us): a row with this primary key is refused here, before INSERT ...
        -- ON CONFLICT could skip the row after the head already moved past it. Rows stored
        -- earlier by the same statement are visible here.
        IF EXISTS (SELECT 1 FROM user_action_audit_logs l
                   WHERE l.tenant_id = NEW.tenant_id AND l.occurred_at = NEW.occurred_at AND l.id = NEW.id) THEN
          RAISE EXCEPTION 'duplicate key value violates unique constraint "pk_user_action_audit_logs": audit event % of tenant % is already recorded', NEW.id, NEW.tenant_id
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'pk_user_action_audit_logs',
                  HINT = 'Audit events are never skipped, so ON CONFLICT cannot apply to them; let the database assign id.';
        END IF;
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
    // CREATE OR REPLACE resets the settings: pin search_path again, to the schema migrated.
    await q(`
      DO $$
      BEGIN
        EXECUTE format('ALTER FUNCTION chain_user_action_audit_log() SET search_path = pg_catalog, %I, pg_temp', current_schema());
      END
      $$
    `);
    await q(`COMMENT ON FUNCTION chain_user_action_audit_log() IS 'Trigger function: takes the database clock (rule audit_occurred_at_clock), refuses a duplicate key before ON CONFLICT could skip the row, and links each new audit row into its tenant''s hash chain under a row lock on the chain head.'`);
    // Fire even with session_replication_role = replica, like the append-only triggers (recurses to
    // partitions), and on partitions made later, whatever the server version copies to them.
    await q(`ALTER TABLE user_action_audit_logs ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_chain`);
    await q(`
      CREATE OR REPLACE FUNCTION protect_audit_log_partition(partition regclass) RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE format(
          'CREATE OR REPLACE TRIGGER trg_user_action_audit_logs_no_truncate BEFORE TRUNCATE ON %s '
          'FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change()', partition);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_no_truncate', partition);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_append_only', partition);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_chain', partition);
      END;
      $$
    `);
    await q(`COMMENT ON FUNCTION protect_audit_log_partition(regclass) IS 'Gives one partition of user_action_audit_logs its TRUNCATE trigger and makes its append-only and chain triggers fire ALWAYS.'`);
    await q(`
      CREATE OR REPLACE TRIGGER trg_user_action_audit_logs_default_refuses
        BEFORE INSERT ON user_action_audit_logs_default FOR EACH ROW EXECUTE FUNCTION refuse_audit_log_default_partition()
    `);
    await q(`ALTER TABLE user_action_audit_logs_default ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_default_refuses`);
    await q(`COMMENT ON TABLE user_action_audit_logs_default IS 'Audit rows outside every monthly partition, from before the default partition refused rows; append-only; takes no new rows.'`);

    // Retention: only whole oldest parts of every chain, anchored first, recorded.
    await q(retentionGapsFunctionSql(USER_ACTION_AUDIT_LOG));
    await q(retentionAnchorsFunctionSql(USER_ACTION_AUDIT_LOG));
    await q(`
      CREATE OR REPLACE FUNCTION record_audit_log_retention_anchors(partition regclass)
      RETURNS integer
      LANGUAGE sql VOLATILE SECURITY DEFINER
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$ SELECT anchor_audit_log_retention(ARRAY[partition]) $$
    `);
    await q(applyRetentionFunctionSql(USER_ACTION_AUDIT_LOG));
    await q(dropExpiredWrapperSql(USER_ACTION_AUDIT_LOG, 'drop_expired_audit_log_partitions'));
    await q(`COMMENT ON FUNCTION ${retentionGapsSignature(USER_ACTION_AUDIT_LOG)} IS 'Retention: the tenants whose rows in the given partitions are not the oldest contiguous part of their chain. Runs as foundation_audit_maintainer; callable by the audit table''s owner only.'`);
    await q(`COMMENT ON FUNCTION ${retentionAnchorsSignature(USER_ACTION_AUDIT_LOG)} IS 'Retention: moves each tenant''s anchor to its last row in partitions that ended more than 6 years ago and hold its oldest contiguous part (55000 otherwise); returns the number of anchors moved. Runs as foundation_audit_maintainer; callable by the audit table''s owner only.'`);
    await q(`COMMENT ON FUNCTION ${SINGLE_ANCHORS} IS 'Retention: anchor_audit_log_retention for one partition. Runs as foundation_audit_maintainer; callable by the audit table''s owner only.'`);
    await q(`COMMENT ON FUNCTION ${applyRetentionSignature(USER_ACTION_AUDIT_LOG)} IS 'Retention, the only removal path for audit rows: drops whole monthly partitions that ended before now() - retention (at least 6 years) once they hold the oldest whole part of every tenant''s chain, anchoring first; reports each as dropped or kept. Run by the table owner.'`);
    await q(`COMMENT ON FUNCTION drop_expired_audit_log_partitions(interval) IS 'Retention: the names of the partitions apply_audit_log_retention dropped. Run by the table owner.'`);
    for (const signature of [retentionGapsSignature(USER_ACTION_AUDIT_LOG), retentionAnchorsSignature(USER_ACTION_AUDIT_LOG)]) {
      await q(transferFunctionOwnershipSql(signature, MAINTAINER));
      await q(`REVOKE ALL ON FUNCTION ${signature} FROM PUBLIC`);
      await q(forTableOwnerSql('user_action_audit_logs', `GRANT EXECUTE ON FUNCTION ${signature} TO %I`));
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    const chains = new CreateAuditLogChains1754250026000();
    const maintenance = new CreateAuditMaintenance1754250036000();
    // Back to exactly what CreateAuditMaintenance left: retention and the one-partition anchoring.
    await q(await landedStatement(maintenance, 'CREATE OR REPLACE FUNCTION drop_expired_audit_log_partitions'));
    await q(await landedStatement(maintenance, `COMMENT ON FUNCTION drop_expired_audit_log_partitions`));
    await q(await landedStatement(maintenance, 'CREATE OR REPLACE FUNCTION record_audit_log_retention_anchors'));
    await q(await landedStatement(maintenance, `COMMENT ON FUNCTION ${SINGLE_ANCHORS}`));
    await q(`DROP FUNCTION IF EXISTS ${applyRetentionSignature(USER_ACTION_AUDIT_LOG)}`);
    await q(`DROP FUNCTION IF EXISTS ${retentionAnchorsSignature(USER_ACTION_AUDIT_LOG)}`);
    await q(`DROP FUNCTION IF EXISTS ${retentionGapsSignature(USER_ACTION_AUDIT_LOG)}`);
    await q(`DROP TRIGGER IF EXISTS trg_user_action_audit_logs_default_refuses ON user_action_audit_logs_default`);
    await q(`COMMENT ON TABLE user_action_audit_logs_default IS 'Audit rows outside every monthly partition; append-only.'`);
    await q(`ALTER TABLE user_action_audit_logs ENABLE TRIGGER trg_user_action_audit_logs_chain`);
    const table = new CreateUserActionAuditLogs1754250025000();
    await q(await landedStatement(table, 'CREATE OR REPLACE FUNCTION protect_audit_log_partition'));
    await q(await landedStatement(table, 'COMMENT ON FUNCTION protect_audit_log_partition'));
    // And exactly what CreateAuditLogChains made of the chain trigger.
    await q(await landedStatement(chains, 'CREATE OR REPLACE FUNCTION chain_user_action_audit_log'));
    await q(await landedStatement(chains, 'ALTER FUNCTION chain_user_action_audit_log() SET search_path'));
    await q(await landedStatement(chains, 'COMMENT ON FUNCTION chain_user_action_audit_log'));
  }
}
