import { MigrationInterface, QueryRunner } from 'typeorm';
import { createRoleSql, dropRoleIfUnusedSql, transferFunctionOwnershipSql } from './support/roles';

/** Owns the audit log's reading and anchoring functions; never a login, never the table owner. */
export const AUDIT_MAINTAINER_ROLE = 'foundation_audit_maintainer';

/** What the maintainer may do, and nothing more (UPDATE only of the retention anchor). */
export const AUDIT_MAINTAINER_PRIVILEGES: Readonly<Record<string, string>> = {
  tenants: 'SELECT (id)',
  user_action_audit_logs: 'SELECT',
  user_action_audit_log_chains: 'SELECT, UPDATE (anchor_sequence, anchor_hash, updated_at)',
};

/** Its own policies, `pol_<table>_audit_maintenance`: every row, for the commands above. */
const POLICIES: Readonly<Record<string, string>> = {
  tenants: `FOR SELECT TO ${AUDIT_MAINTAINER_ROLE} USING (true)`,
  user_action_audit_logs: `FOR SELECT TO ${AUDIT_MAINTAINER_ROLE} USING (true)`,
  user_action_audit_log_chains: `FOR ALL TO ${AUDIT_MAINTAINER_ROLE} USING (true) WITH CHECK (true)`,
};

const VERIFY = 'verify_audit_log_chain(uuid)';
const LIST_TENANTS = 'list_audit_log_tenants()';
const RECORD_ANCHORS = 'record_audit_log_retention_anchors(regclass)';
/** Owned by the maintainer; EXECUTE for the audit table's owner only. */
const MAINTAINER_FUNCTIONS = [VERIFY, LIST_TENANTS, RECORD_ANCHORS];

const PINNED_SEARCH_PATH = 'pg_catalog, public, pg_temp';

/**
 * Audit log upkeep that works for an owner who is not a superuser.
 *
 * Row-level security on `tenants`, `user_action_audit_logs` and `user_action_audit_log_chains`
 * is FORCED (EnableTenantIsolation), so their owner sees no row without `app.tenant_id`. Only a
 * superuser escaped that, which is why the tests (run as one) did not notice that retention
 * moved no anchors (its UPDATE saw no chain head) before dropping partitions, and that
 * `verify --all` found no tenant to verify.
 *
 * The reading and anchoring now run as `foundation_audit_maintainer` (NOLOGIN, not the owner,
 * no BYPASSRLS; the pattern of CreateClientSearch and CreatePlatformOperations). It may SELECT
 * the audit rows, tenant ids and chain heads and UPDATE only a chain's retention anchor,
 * through its own policies `pol_<table>_audit_maintenance` (USING (true)). It owns three
 * SECURITY DEFINER functions with a pinned search_path, which only the audit table's owner may
 * execute (never PUBLIC, never foundation_app):
 *
 * - `verify_audit_log_chain(tenant)`: unchanged body, now owned by the maintainer.
 * - `list_audit_log_tenants()`: every tenant with a chain head or audit rows, for `verify --all`
 *   (a tenant whose head was deleted is listed too, and verification then reports it).
 * - `record_audit_log_retention_anchors(partition)`: for a monthly partition that ended more than
 *   six years ago, moves each tenant's anchor to its last row in that partition.
 *
 * `drop_expired_audit_log_partitions()` stays owner-run (DETACH and DROP need the table's owner)
 * and calls the anchoring function for each partition before dropping it, in one transaction.
 * `create_audit_log_partitions()` needs no change: it counts the rows of the default partition
 * by reading that partition directly, and partitions have no row-level security of their own.
 *
 * Locks: CREATE POLICY takes brief ACCESS EXCLUSIVE locks on the three tables (catalog only);
 * the functions are replaced or altered in place.
 */
export class CreateAuditMaintenance1754250036000 implements MigrationInterface {
  name = 'CreateAuditMaintenance1754250036000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(createRoleSql(AUDIT_MAINTAINER_ROLE));
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${AUDIT_MAINTAINER_ROLE}`);
    for (const [table, privileges] of Object.entries(AUDIT_MAINTAINER_PRIVILEGES)) {
      await queryRunner.query(`GRANT ${privileges} ON ${table} TO ${AUDIT_MAINTAINER_ROLE}`);
      await queryRunner.query(`DROP POLICY IF EXISTS pol_${table}_audit_maintenance ON ${table}`);
      await queryRunner.query(`CREATE POLICY pol_${table}_audit_maintenance ON ${table} ${POLICIES[table]}`);
    }
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION list_audit_log_tenants()
      RETURNS SETOF uuid
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$
        -- Tenants with audit rows are found by one index probe each (every index of the audit
        -- table starts with tenant_id), not by reading the whole log.
        SELECT t.id FROM tenants t
        WHERE EXISTS (SELECT 1 FROM user_action_audit_log_chains c WHERE c.tenant_id = t.id)
           OR EXISTS (SELECT 1 FROM user_action_audit_logs l WHERE l.tenant_id = t.id)
        ORDER BY t.id
      $$
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION record_audit_log_retention_anchors(partition regclass)
      RETURNS integer
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = ${PINNED_SEARCH_PATH}
      AS $$
      DECLARE
        bound text;
        range_from timestamptz;
        range_to timestamptz;
        moved integer;
      BEGIN
        SELECT pg_get_expr(c.relpartbound, c.oid) INTO bound
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'user_action_audit_logs'::regclass AND i.inhrelid = partition;
        IF bound IS NULL OR bound = 'DEFAULT' THEN
          RAISE EXCEPTION 'record_audit_log_retention_anchors: % is not a monthly partition of user_action_audit_logs', partition
            USING ERRCODE = '22023';
        END IF;
        range_from := substring(bound FROM 'FROM \\(''([^'']+)''\\)')::timestamptz;
        range_to := substring(bound FROM 'TO \\(''([^'']+)''\\)')::timestamptz;
        -- Anchors move only past rows that retention may remove: never a younger partition.
        IF range_from IS NULL OR range_to IS NULL OR range_to > now() - interval '6 years' THEN
          RAISE EXCEPTION 'record_audit_log_retention_anchors: % did not end more than 6 years ago', partition
            USING ERRCODE = '22023';
        END IF;
        -- The partition's rows, read through the parent (the only table this role may read):
        -- the range prunes to that partition, tableoid keeps exactly its rows.
        UPDATE user_action_audit_log_chains c
        SET anchor_sequence = d.chain_sequence, anchor_hash = d.row_hash, updated_at = now()
        FROM (SELECT DISTINCT ON (l.tenant_id) l.tenant_id, l.chain_sequence, l.row_hash
              FROM user_action_audit_logs l
              WHERE l.occurred_at >= range_from AND l.occurred_at < range_to AND l.tableoid = partition::oid
              ORDER BY l.tenant_id, l.chain_sequence DESC) d
        WHERE c.tenant_id = d.tenant_id AND d.chain_sequence > c.anchor_sequence;
        GET DIAGNOSTICS moved = ROW_COUNT;
        RETURN moved;
      END
      $$
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
          -- the first remaining row and still notices a row removed any other way. The owner
          -- cannot see the chain heads under forced row-level security: the maintainer can.
          PERFORM record_audit_log_retention_anchors(part.partition);
          EXECUTE format('ALTER TABLE user_action_audit_logs DETACH PARTITION %s', part.partition);
          EXECUTE format('DROP TABLE %s', part.partition);
          RETURN NEXT part.relname::text;
        END LOOP;
      END;
      $$
    `);
    await queryRunner.query(`ALTER FUNCTION ${VERIFY} SECURITY DEFINER SET search_path = ${PINNED_SEARCH_PATH}`);
    await queryRunner.query(`COMMENT ON FUNCTION ${LIST_TENANTS} IS 'Audit upkeep: every tenant with a chain head or audit rows, for verifying all chains. Runs as foundation_audit_maintainer; callable by the audit table''s owner only.'`);
    await queryRunner.query(`COMMENT ON FUNCTION ${RECORD_ANCHORS} IS 'Retention: moves each tenant''s chain anchor to its last row in a partition that ended more than 6 years ago, before that partition is dropped; returns the number of anchors moved. Runs as foundation_audit_maintainer; callable by the audit table''s owner only.'`);
    await queryRunner.query(`COMMENT ON FUNCTION ${VERIFY} IS 'Walks a tenant''s audit chain from its retention anchor; returns the first changed, missing or reordered row, or no row when intact. Runs as foundation_audit_maintainer; callable by the audit table''s owner only.'`);
    await queryRunner.query(`COMMENT ON FUNCTION drop_expired_audit_log_partitions(interval) IS 'Retention, the only removal path for audit rows: drops whole monthly partitions that ended before now() - retention (at least 6 years), moving chain anchors past them (record_audit_log_retention_anchors). Run by the table owner.'`);
    for (const signature of MAINTAINER_FUNCTIONS) {
      await queryRunner.query(transferFunctionOwnershipSql(signature, AUDIT_MAINTAINER_ROLE));
      await queryRunner.query(`REVOKE ALL ON FUNCTION ${signature} FROM PUBLIC`);
      await queryRunner.query(grantToAuditTableOwnerSql(`GRANT EXECUTE ON FUNCTION ${signature} TO %I`));
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Back to CreateAuditLogChains1754250026000: verify and retention owned by the table owner,
    // run with the caller's rights, executable by PUBLIC (the default).
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
    await queryRunner.query(`COMMENT ON FUNCTION drop_expired_audit_log_partitions(interval) IS 'Retention, the only removal path for audit rows: drops whole monthly partitions that ended before now() - retention (at least 6 years), moving chain anchors past them. Run by the table owner.'`);
    // Recreated from its own (unchanged) body rather than altered back: that also restores the
    // NULL ACL (PUBLIC may execute) and the migrating owner exactly, which no GRANT can.
    await queryRunner.query(`
      DO $do$
      DECLARE
        body text := (SELECT prosrc FROM pg_proc WHERE oid = '${VERIFY}'::regprocedure);
      BEGIN
        DROP FUNCTION ${VERIFY};
        EXECUTE format('CREATE FUNCTION verify_audit_log_chain(tenant uuid) '
                       'RETURNS TABLE (sequence_number bigint, row_id uuid, problem text) '
                       'LANGUAGE plpgsql STABLE AS %L', body);
      END
      $do$
    `);
    await queryRunner.query(`COMMENT ON FUNCTION ${VERIFY} IS 'Walks a tenant''s audit chain from its retention anchor; returns the first changed, missing or reordered row, or no row when intact.'`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${RECORD_ANCHORS}`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${LIST_TENANTS}`);
    for (const table of Object.keys(AUDIT_MAINTAINER_PRIVILEGES).reverse()) {
      await queryRunner.query(`DROP POLICY IF EXISTS pol_${table}_audit_maintenance ON ${table}`);
      await queryRunner.query(`REVOKE ALL ON ${table} FROM ${AUDIT_MAINTAINER_ROLE}`);
    }
    await queryRunner.query(`REVOKE USAGE ON SCHEMA public FROM ${AUDIT_MAINTAINER_ROLE}`);
    await queryRunner.query(dropRoleIfUnusedSql(AUDIT_MAINTAINER_ROLE));
  }
}

/** Runs `statement` (with one %I) for the owner of user_action_audit_logs, whoever migrates. */
function grantToAuditTableOwnerSql(statement: string): string {
  return `
    DO $$
    BEGIN
      EXECUTE format('${statement.replaceAll("'", "''")}',
                     (SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                      WHERE c.oid = 'user_action_audit_logs'::regclass));
    END
    $$`;
}
