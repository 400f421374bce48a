/**
 * SQL for the retention path of a hash-chained, monthly-partitioned audit table: the only way
 * its rows are ever removed. Used by CreateSystemAuditLog1754250060000 (the system audit log)
 * and HardenUserActionAuditLog1754250061000 (the user-action audit log), so both logs follow
 * exactly the same rules:
 *
 * - only whole monthly partitions that ended before now() - retention (at least six years) go;
 * - partitions go only together with every older one, and only once, for every chain, the rows
 *   they hold are exactly the oldest remaining part of that chain (sequences anchor + 1 ... n,
 *   no gap, no duplicate). Chain order and partition order differ only when a transaction that
 *   began before the turn of a month recorded its event after one that began later; such a
 *   partition is kept until the next one has expired too, and both then go together;
 * - each chain's retention anchor moves to the last row dropped, before the drop, in the same
 *   transaction, so verification starts right after it;
 * - with the DDL guard installed (CreateAuditDdlGuard1754250064000), the guard approves the
 *   detach and drop of exactly those partitions;
 * - each dropped partition is recorded in the system audit log (stream `audit`).
 *
 * Like the other helpers here these build SQL strings only, and are as immutable as the
 * migrations that call them: write a new helper rather than editing this one.
 */

/** The tables of one chained log, and the role that may read every chain of it. */
export interface ChainedLog {
  /** The partitioned, append-only table. */
  table: string;
  /** One row per chain: last_sequence, last_hash, anchor_sequence, anchor_hash, updated_at. */
  chains: string;
  /** The column naming the chain in both tables. */
  key: string;
  /** Stem of the function names: `<stem>_retention_gaps`, `anchor_<stem>_retention`... */
  stem: string;
  /** Owner of the reading and anchoring functions (sees every chain through its own policies). */
  maintainer: string;
}

const PINNED_SEARCH_PATH = 'pg_catalog, public, pg_temp';

export function retentionGapsSignature(log: ChainedLog): string {
  return `${log.stem}_retention_gaps(regclass[])`;
}

export function retentionAnchorsSignature(log: ChainedLog): string {
  return `anchor_${log.stem}_retention(regclass[])`;
}

export function applyRetentionSignature(log: ChainedLog): string {
  return `apply_${log.stem}_retention(interval)`;
}

/**
 * `<stem>_retention_gaps(partitions)`: the chains whose rows in `partitions` are NOT exactly the
 * oldest remaining part of the chain, with what was found; no row means they may go. Reads
 * through the parent, pruned to the partitions' overall range (they are consecutive months).
 * Runs as the maintainer, which alone sees every chain under forced row-level security.
 */
export function retentionGapsFunctionSql(log: ChainedLog): string {
  return `
    CREATE OR REPLACE FUNCTION ${log.stem}_retention_gaps(partitions regclass[])
    RETURNS TABLE (chain text, anchor_sequence bigint, first_sequence bigint, last_sequence bigint, row_count bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = ${PINNED_SEARCH_PATH}
    AS $$
    DECLARE
      range_from timestamptz;
      range_to timestamptz;
    BEGIN
      SELECT min(substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \\(''([^'']+)''\\)')::timestamptz),
             max(substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \\(''([^'']+)''\\)')::timestamptz)
        INTO range_from, range_to
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = '${log.table}'::regclass AND i.inhrelid = ANY (partitions::oid[]);
      IF range_from IS NULL OR range_to IS NULL THEN
        RAISE EXCEPTION '${log.stem}_retention_gaps: % holds no monthly partition of ${log.table}', partitions
          USING ERRCODE = '22023';
      END IF;
      RETURN QUERY
        SELECT d.${log.key}::text, h.anchor_sequence, d.first_sequence, d.last_sequence, d.row_count
        FROM (SELECT l.${log.key}, min(l.chain_sequence) AS first_sequence, max(l.chain_sequence) AS last_sequence,
                     count(*) AS row_count, count(DISTINCT l.chain_sequence) AS distinct_sequences
              FROM ${log.table} l
              WHERE l.occurred_at >= range_from AND l.occurred_at < range_to AND l.tableoid = ANY (partitions::oid[])
              GROUP BY l.${log.key}) d
        LEFT JOIN ${log.chains} h ON h.${log.key} = d.${log.key}
        WHERE h.${log.key} IS NULL
           OR d.first_sequence <> h.anchor_sequence + 1
           OR d.last_sequence - d.first_sequence + 1 <> d.row_count
           OR d.distinct_sequences <> d.row_count
        ORDER BY 1;
    END
    $$`;
}

/**
 * `anchor_<stem>_retention(partitions)`: refuses anything but monthly partitions that
 * ended more than six years ago and hold, for every chain, its oldest contiguous part (SQLSTATE
 * 55000 otherwise); then moves each chain's anchor to its last row in them. Returns the number
 * of anchors moved. Runs as the maintainer.
 */
export function retentionAnchorsFunctionSql(log: ChainedLog): string {
  return `
    CREATE OR REPLACE FUNCTION anchor_${log.stem}_retention(partitions regclass[])
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = ${PINNED_SEARCH_PATH}
    AS $$
    DECLARE
      part regclass;
      bound text;
      range_from timestamptz;
      range_to timestamptz;
      gap record;
      moved integer;
    BEGIN
      IF partitions IS NULL OR cardinality(partitions) = 0 THEN
        RAISE EXCEPTION 'anchor_${log.stem}_retention: no partition given' USING ERRCODE = '22023';
      END IF;
      FOREACH part IN ARRAY partitions LOOP
        SELECT pg_get_expr(c.relpartbound, c.oid) INTO bound
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = '${log.table}'::regclass AND i.inhrelid = part;
        IF bound IS NULL OR bound = 'DEFAULT' THEN
          RAISE EXCEPTION 'anchor_${log.stem}_retention: % is not a monthly partition of ${log.table}', part
            USING ERRCODE = '22023';
        END IF;
        range_from := least(range_from, substring(bound FROM 'FROM \\(''([^'']+)''\\)')::timestamptz);
        range_to := greatest(range_to, substring(bound FROM 'TO \\(''([^'']+)''\\)')::timestamptz);
        -- Anchors move only past rows that retention may remove: never a younger partition.
        IF substring(bound FROM 'TO \\(''([^'']+)''\\)')::timestamptz > now() - interval '6 years' THEN
          RAISE EXCEPTION 'anchor_${log.stem}_retention: % did not end more than 6 years ago', part
            USING ERRCODE = '22023';
        END IF;
      END LOOP;
      SELECT * INTO gap FROM ${log.stem}_retention_gaps(partitions) LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'retention: the rows of chain % in % are not the oldest contiguous part of that chain (anchor %, sequences % to %, % rows)',
          gap.chain, partitions, gap.anchor_sequence, gap.first_sequence, gap.last_sequence, gap.row_count
          USING ERRCODE = '55000',
                HINT = 'Retention drops only a whole oldest part of every chain; a younger partition that continues a chain must expire too.';
      END IF;
      UPDATE ${log.chains} h
      SET anchor_sequence = d.chain_sequence, anchor_hash = d.row_hash, updated_at = now()
      FROM (SELECT DISTINCT ON (l.${log.key}) l.${log.key}, l.chain_sequence, l.row_hash
            FROM ${log.table} l
            WHERE l.occurred_at >= range_from AND l.occurred_at < range_to AND l.tableoid = ANY (partitions::oid[])
            ORDER BY l.${log.key}, l.chain_sequence DESC) d
      WHERE h.${log.key} = d.${log.key} AND d.chain_sequence > h.anchor_sequence;
      GET DIAGNOSTICS moved = ROW_COUNT;
      RETURN moved;
    END
    $$`;
}

/**
 * `apply_<stem>_retention(retention)`: the retention run, by the table's owner (DETACH and DROP
 * need it). Returns one row per expired partition: `dropped`, or `kept: <why>` for partitions
 * that must wait (their rows are not yet the oldest whole part of every chain). Stops at the
 * first partition younger than the cutoff: partitions are taken oldest first.
 */
export function applyRetentionFunctionSql(log: ChainedLog): string {
  return `
    CREATE OR REPLACE FUNCTION apply_${log.stem}_retention(retention interval DEFAULT interval '6 years')
    RETURNS TABLE (partition_name text, outcome text)
    LANGUAGE plpgsql AS $$
    DECLARE
      part record;
      cutoff timestamptz := now() - retention;
      pending regclass[] := '{}';
      pending_names text[] := '{}';
      pending_bounds text[] := '{}';
      gap record;
    BEGIN
      IF retention IS NULL OR now() - retention > now() - interval '6 years' THEN
        RAISE EXCEPTION 'retention must be at least 6 years (45 CFR 164.316(b)(2)), not %', retention USING ERRCODE = '22023';
      END IF;
      FOR part IN
        SELECT c.oid::regclass AS partition, c.relname::text AS relname, pg_get_expr(c.relpartbound, c.oid) AS bound,
               substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \\(''([^'']+)''\\)')::timestamptz AS range_to
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = '${log.table}'::regclass AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
        ORDER BY 4
      LOOP
        EXIT WHEN part.range_to > cutoff;
        pending := pending || part.partition;
        pending_names := pending_names || part.relname;
        pending_bounds := pending_bounds || part.bound;
        CONTINUE WHEN EXISTS (SELECT 1 FROM ${log.stem}_retention_gaps(pending));
        -- Every chain's rows in the pending partitions are its oldest whole part: anchor, then drop.
        PERFORM anchor_${log.stem}_retention(pending);
        IF to_regnamespace('audit_guard') IS NOT NULL THEN
          EXECUTE 'SELECT audit_guard.approve_retention($1)' USING pending;
        END IF;
        FOR i IN 1 .. cardinality(pending) LOOP
          EXECUTE format('ALTER TABLE ${log.table} DETACH PARTITION %s', pending[i]);
          EXECUTE format('DROP TABLE %s', pending[i]);
          IF to_regprocedure('record_system_event(text, text, text, uuid, text, text, jsonb)') IS NOT NULL THEN
            PERFORM record_system_event('audit', 'audit.retention_drop', NULL, NULL, pending_names[i], NULL,
              jsonb_build_object('table', '${log.table}', 'bound', pending_bounds[i], 'retention', retention::text));
          END IF;
          partition_name := pending_names[i];
          outcome := 'dropped';
          RETURN NEXT;
        END LOOP;
        pending := '{}';
        pending_names := '{}';
        pending_bounds := '{}';
      END LOOP;
      IF cardinality(pending) > 0 THEN
        SELECT * INTO gap FROM ${log.stem}_retention_gaps(pending) LIMIT 1;
        FOR i IN 1 .. cardinality(pending) LOOP
          partition_name := pending_names[i];
          outcome := format('kept: chain %s continues in a younger partition or has a gap (anchor %s; these partitions hold sequences %s to %s, %s rows)',
                            gap.chain, gap.anchor_sequence, gap.first_sequence, gap.last_sequence, gap.row_count);
          RAISE WARNING '% %', partition_name, outcome;
          RETURN NEXT;
        END LOOP;
      END IF;
    END
    $$`;
}

/** `drop_expired_<...>(retention)`: the names of the partitions the retention run dropped. */
export function dropExpiredWrapperSql(log: ChainedLog, name: string): string {
  return `
    CREATE OR REPLACE FUNCTION ${name}(retention interval DEFAULT interval '6 years')
    RETURNS SETOF text
    LANGUAGE sql AS $$
      SELECT r.partition_name FROM apply_${log.stem}_retention(retention) r WHERE r.outcome = 'dropped'
    $$`;
}

export { PINNED_SEARCH_PATH };
