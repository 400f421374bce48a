/**
 * The audit DDL guard: event triggers that stop the audit tables' owner (and any role without
 * superuser rights, and a superuser who does not switch them off first) from changing the audit
 * logs' structure in the ways that would let rows be removed, rewritten or hidden:
 *
 * - disabling a trigger of an audit table, or setting it to fire on replicas only;
 * - dropping or renaming a trigger, a partition, a column or a whole audit table;
 * - detaching a partition (except the expired ones retention approved, see below), or attaching
 *   a table that did not start as one of its partitions;
 * - adding a trigger or a rule to an audit table (one that skips or rewrites rows before the
 *   chain trigger sees them);
 * - creating, altering or dropping a policy on an audit table, or switching its row-level
 *   security off;
 * - rewriting an audit table (ALTER COLUMN ... TYPE ... USING rewrites every row without UPDATE
 *   triggers);
 * - replacing, altering or dropping a function on the audit write path (the append-only and
 *   chain triggers, the row hashes, record_system_event, partition upkeep, retention, reading).
 *
 * Partitions created later (CREATE TABLE ... PARTITION OF an audit table) are registered and given
 * their TRUNCATE trigger by the guard itself. Retention's detach-and-drop of expired partitions
 * goes through `audit_guard.approve_retention(partitions)`, which approves only partitions that
 * ended more than six years ago, for the current transaction.
 *
 * Break glass: `SELECT audit_guard.break_glass('reason')` lets the rest of the current transaction
 * through, and is itself recorded twice: in `audit_guard.break_glass_log` (owned by the superuser
 * who installed the guard; the audit tables' owner cannot change it) and in the system audit log
 * (stream break_glass).
 *
 * Event triggers can only be created by a superuser. The migration CreateAuditDdlGuard installs
 * the guard when it runs as one; otherwise the DBA runs `auditDdlGuardInstallSql()` as a superuser
 * (`npm run audit-log -- guard-sql` prints it). Everything the guard owns lives in schema
 * `audit_guard`, owned by that superuser. Detection (signed checkpoints) does not depend on it.
 *
 * Builds SQL strings only; as immutable as the migrations that use it.
 */

/** Schema of the audit tables the guard protects. */
const AUDIT_SCHEMA = 'public';

/** The tables the guard protects, with their required and allowed triggers. */
const LOGS = [
  {
    table: 'user_action_audit_logs',
    chains: 'user_action_audit_log_chains',
    triggers: {
      trg_user_action_audit_logs_append_only: 'reject_append_only_change',
      trg_user_action_audit_logs_no_truncate: 'reject_append_only_change',
      trg_user_action_audit_logs_chain: 'chain_user_action_audit_log',
    },
    defaultTrigger: ['trg_user_action_audit_logs_default_refuses', 'refuse_audit_log_default_partition'],
  },
  {
    table: 'system_audit_log',
    chains: 'system_audit_log_chains',
    triggers: {
      trg_system_audit_log_append_only: 'reject_append_only_change',
      trg_system_audit_log_no_truncate: 'reject_append_only_change',
      trg_system_audit_log_chain: 'chain_system_audit_log',
    },
    defaultTrigger: ['trg_system_audit_log_default_refuses', 'refuse_audit_log_default_partition'],
  },
] as const;

/** Functions on the audit write, upkeep and reading paths: replacing one is as good as disabling a trigger. */
export const GUARDED_FUNCTIONS: readonly string[] = [
  'reject_append_only_change',
  'chain_user_action_audit_log',
  'audit_log_row_hash',
  'protect_audit_log_partition',
  'create_audit_log_partitions',
  'refuse_audit_log_default_partition',
  'audit_clock_refuse',
  'chain_system_audit_log',
  'system_audit_log_row_hash',
  'protect_system_audit_log_partition',
  'create_system_audit_log_partitions',
  'record_system_event',
  'audit_log_retention_gaps',
  'record_audit_log_retention_anchors',
  'anchor_audit_log_retention',
  'apply_audit_log_retention',
  'drop_expired_audit_log_partitions',
  'system_audit_log_retention_gaps',
  'anchor_system_audit_log_retention',
  'apply_system_audit_log_retention',
  'drop_expired_system_audit_log_partitions',
  'verify_audit_log_chain',
  'list_audit_log_tenants',
  'user_action_audit_log_chain_heads',
  'user_action_audit_log_chain_rows',
  'user_action_audit_log_event_sequences',
  'system_audit_log_chain_heads',
  'system_audit_log_chain_rows',
  'system_audit_log_event_sequences',
];

export const GUARD_EVENT_TRIGGERS = ['foundation_audit_guard_ddl', 'foundation_audit_guard_drop', 'foundation_audit_guard_rewrite'] as const;

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
const textArray = (items: readonly string[]) => `ARRAY[${items.map(literal).join(', ')}]::text[]`;

/** (table tree, trigger name, function name) rows: what may exist on each audit table. */
function allowedTriggersValues(): string {
  const rows: string[] = [];
  for (const log of LOGS) {
    for (const [trigger, fn] of Object.entries(log.triggers)) rows.push(`(${literal(log.table)}, ${literal(trigger)}, ${literal(fn)}, true)`);
    rows.push(`(${literal(log.table)}, ${literal(log.defaultTrigger[0])}, ${literal(log.defaultTrigger[1])}, false)`);
  }
  return rows.join(',\n        ');
}

/** The SQL a superuser runs to install (or refresh) the guard in the current database. Idempotent. */
export function auditDdlGuardInstallSql(): string[] {
  const protectedTables = LOGS.flatMap((log) => [
    `(${literal(`${AUDIT_SCHEMA}.${log.table}`)}::regclass, ${literal(log.table)}, ${literal(log.table)})`,
    `(${literal(`${AUDIT_SCHEMA}.${log.chains}`)}::regclass, ${literal(log.chains)}, ${literal(log.table)})`,
  ]);
  return [
    `DO $$
    BEGIN
      IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'the audit DDL guard is installed by a superuser (event triggers need one); current user % is not'
          , current_user USING ERRCODE = '42501';
      END IF;
    END
    $$`,
    `CREATE SCHEMA IF NOT EXISTS audit_guard`,
    `REVOKE ALL ON SCHEMA audit_guard FROM PUBLIC`,
    `COMMENT ON SCHEMA audit_guard IS 'The audit DDL guard: event triggers, their state and the break-glass ledger; owned by the superuser who installed it.'`,
    `CREATE TABLE IF NOT EXISTS audit_guard.protected_tables (
      relid oid PRIMARY KEY,
      relname text NOT NULL,
      tree text NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS audit_guard.partitions (
      relid oid PRIMARY KEY,
      parent oid NOT NULL,
      relname text NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS audit_guard.allowed_triggers (
      tree text NOT NULL,
      trigger_name text NOT NULL,
      function_name text NOT NULL,
      required boolean NOT NULL,
      PRIMARY KEY (tree, trigger_name)
    )`,
    `CREATE TABLE IF NOT EXISTS audit_guard.break_glass_log (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      xact xid8 NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      session_user_name text NOT NULL,
      reason text NOT NULL,
      client_addr inet
    )`,
    `CREATE TABLE IF NOT EXISTS audit_guard.retention_approvals (
      xact xid8 NOT NULL,
      relid oid NOT NULL,
      relname text NOT NULL,
      bound text NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (xact, relid)
    )`,
    `COMMENT ON TABLE audit_guard.break_glass_log IS 'Every break-glass of the audit DDL guard: transaction, time, session user, reason, client address. Written only by audit_guard.break_glass().'`,
    `COMMENT ON TABLE audit_guard.retention_approvals IS 'Expired audit partitions the retention path was allowed to detach and drop, per transaction.'`,
    `TRUNCATE audit_guard.protected_tables, audit_guard.allowed_triggers`,
    `INSERT INTO audit_guard.protected_tables (relid, relname, tree) VALUES
        ${protectedTables.join(',\n        ')}`,
    `INSERT INTO audit_guard.allowed_triggers (tree, trigger_name, function_name, required) VALUES
        ${allowedTriggersValues()}`,
    // The partitions that exist now; later ones are registered as they are created.
    `DELETE FROM audit_guard.partitions g WHERE NOT EXISTS (
       SELECT 1 FROM pg_inherits i JOIN audit_guard.protected_tables p ON p.relid = i.inhparent WHERE i.inhrelid = g.relid)`,
    `INSERT INTO audit_guard.partitions (relid, parent, relname)
     SELECT i.inhrelid, i.inhparent, i.inhrelid::regclass::text
     FROM pg_inherits i JOIN audit_guard.protected_tables p ON p.relid = i.inhparent
     ON CONFLICT (relid) DO UPDATE SET parent = EXCLUDED.parent, relname = EXCLUDED.relname`,

    `CREATE OR REPLACE FUNCTION audit_guard.break_glass_active() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT EXISTS (SELECT 1 FROM audit_guard.break_glass_log b WHERE b.xact = pg_current_xact_id()) $$`,

    `CREATE OR REPLACE FUNCTION audit_guard.is_guarded(rel oid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
      SELECT EXISTS (SELECT 1 FROM audit_guard.protected_tables p WHERE p.relid = rel)
          OR EXISTS (SELECT 1 FROM audit_guard.partitions g WHERE g.relid = rel)
          OR EXISTS (SELECT 1 FROM pg_inherits i JOIN audit_guard.protected_tables p ON p.relid = i.inhparent AND p.tree = p.relname
                     WHERE i.inhrelid = rel)
    $$`,

    // Every way the audit tables are weaker than the guard requires, as sentences; empty when sound.
    `CREATE OR REPLACE FUNCTION audit_guard.violations() RETURNS SETOF text
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
      r record;
    BEGIN
      -- Protected tables still there, under their names, with row-level security on and forced.
      FOR r IN SELECT p.relid, p.relname, c.relname AS now_name, n.nspname, c.relrowsecurity, c.relforcerowsecurity
               FROM audit_guard.protected_tables p
               LEFT JOIN pg_class c ON c.oid = p.relid LEFT JOIN pg_namespace n ON n.oid = c.relnamespace LOOP
        IF r.now_name IS NULL THEN
          RETURN NEXT format('%s is gone', r.relname);
        ELSIF r.now_name <> r.relname OR r.nspname <> ${literal(AUDIT_SCHEMA)} THEN
          RETURN NEXT format('%s was renamed or moved to %I.%I', r.relname, r.nspname, r.now_name);
        ELSIF NOT (r.relrowsecurity AND r.relforcerowsecurity) THEN
          RETURN NEXT format('row-level security of %s is no longer enabled and forced', r.relname);
        END IF;
      END LOOP;
      -- Partitions: every child of an audit table was registered (created as a partition, not attached),
      -- and every registered one is still a child (detached only with retention's approval).
      FOR r IN SELECT i.inhrelid::regclass::text AS child, i.inhparent::regclass::text AS parent
               FROM pg_inherits i JOIN audit_guard.protected_tables p ON p.relid = i.inhparent
               WHERE NOT EXISTS (SELECT 1 FROM audit_guard.partitions g WHERE g.relid = i.inhrelid) LOOP
        RETURN NEXT format('%s was attached to %s', r.child, r.parent);
      END LOOP;
      FOR r IN SELECT g.relid, g.relname FROM audit_guard.partitions g
               WHERE NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = g.relid AND i.inhparent = g.parent)
                 AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = g.relid)
                 AND NOT EXISTS (SELECT 1 FROM audit_guard.retention_approvals a WHERE a.relid = g.relid AND a.xact = pg_current_xact_id()) LOOP
        RETURN NEXT format('%s was detached', r.relname);
      END LOOP;
      -- Triggers: the required ones exist on every table of each tree and are not disabled or
      -- replica-only; no other trigger (apart from foreign keys' internal ones) exists there.
      FOR r IN
        WITH tree_tables AS (
          SELECT p.relid, p.tree, false AS is_default FROM audit_guard.protected_tables p WHERE p.relname = p.tree
          UNION ALL
          SELECT i.inhrelid, p.tree, pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'
          FROM pg_inherits i JOIN audit_guard.protected_tables p ON p.relid = i.inhparent JOIN pg_class c ON c.oid = i.inhrelid
        )
        SELECT t.relid::regclass::text AS rel, a.trigger_name
        FROM tree_tables t JOIN audit_guard.allowed_triggers a ON a.tree = t.tree AND (a.required OR t.is_default)
        WHERE NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = t.relid AND g.tgname = a.trigger_name AND g.tgenabled IN ('O', 'A'))
      LOOP
        RETURN NEXT format('trigger %s on %s is missing, disabled or replica-only', r.trigger_name, r.rel);
      END LOOP;
      FOR r IN
        SELECT g.tgname, g.tgrelid::regclass::text AS rel, g.tgfoid::regproc::text AS fn
        FROM pg_trigger g
        JOIN (SELECT p.relid, p.tree FROM audit_guard.protected_tables p
              UNION ALL SELECT i.inhrelid, p.tree FROM pg_inherits i JOIN audit_guard.protected_tables p ON p.relid = i.inhparent) t
          ON t.relid = g.tgrelid
        WHERE g.tgconstraint = 0
          AND NOT EXISTS (SELECT 1 FROM audit_guard.allowed_triggers a
                          WHERE a.tree = t.tree AND a.trigger_name = g.tgname
                            AND g.tgfoid = to_regprocedure(${literal(AUDIT_SCHEMA)} || '.' || a.function_name || '()'))
      LOOP
        RETURN NEXT format('trigger %s on %s (function %s) is not one of the audit triggers', r.tgname, r.rel, r.fn);
      END LOOP;
      FOR r IN SELECT w.rulename, w.ev_class::regclass::text AS rel FROM pg_rewrite w
               WHERE audit_guard.is_guarded(w.ev_class) LOOP
        RETURN NEXT format('rule %s on %s', r.rulename, r.rel);
      END LOOP;
    END
    $$`,

    `CREATE OR REPLACE FUNCTION audit_guard.refuse(what text) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit DDL guard: % is not allowed', what
        USING ERRCODE = '42501',
              HINT = 'Audit tables change only through their migrations and upkeep functions. A reviewed exception: '
                     'SELECT audit_guard.break_glass(''why'') first, in the same transaction (recorded in audit_guard.break_glass_log and the system audit log).';
    END
    $$`,

    `CREATE OR REPLACE FUNCTION audit_guard.on_ddl_command_end() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
      cmd record;
      rel oid;
      fn record;
      trig record;
      tree_name text;
      problem text;
    BEGIN
      FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
        rel := CASE cmd.classid
                 WHEN 'pg_class'::regclass THEN cmd.objid
                 WHEN 'pg_trigger'::regclass THEN (SELECT t.tgrelid FROM pg_trigger t WHERE t.oid = cmd.objid)
                 WHEN 'pg_policy'::regclass THEN (SELECT p.polrelid FROM pg_policy p WHERE p.oid = cmd.objid)
                 WHEN 'pg_rewrite'::regclass THEN (SELECT w.ev_class FROM pg_rewrite w WHERE w.oid = cmd.objid)
               END;
        IF cmd.classid = 'pg_proc'::regclass THEN
          SELECT p.proname, n.nspname INTO fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = cmd.objid;
          IF fn.nspname = ${literal(AUDIT_SCHEMA)} AND fn.proname = ANY (${textArray(GUARDED_FUNCTIONS)})
             AND NOT audit_guard.break_glass_active() THEN
            PERFORM audit_guard.refuse(format('%s of %s, a function of the audit path,', cmd.command_tag, cmd.object_identity));
          END IF;
          CONTINUE;
        END IF;
        CONTINUE WHEN rel IS NULL OR NOT audit_guard.is_guarded(rel);
        -- A new partition of an audit table: register it and give it its TRUNCATE trigger (and, for a
        -- default partition, its refusal), whoever created it.
        IF cmd.command_tag = 'CREATE TABLE' AND cmd.classid = 'pg_class'::regclass THEN
          SELECT p.tree INTO tree_name FROM pg_inherits i JOIN audit_guard.protected_tables p ON p.relid = i.inhparent AND p.tree = p.relname
          WHERE i.inhrelid = rel;
          IF tree_name IS NOT NULL THEN
            INSERT INTO audit_guard.partitions (relid, parent, relname)
            SELECT rel, i.inhparent, rel::regclass::text FROM pg_inherits i WHERE i.inhrelid = rel
            ON CONFLICT (relid) DO UPDATE SET parent = EXCLUDED.parent, relname = EXCLUDED.relname;
            FOR trig IN SELECT a.trigger_name, a.function_name, a.required FROM audit_guard.allowed_triggers a
                      WHERE a.tree = tree_name AND (a.trigger_name LIKE '%\\_no\\_truncate'
                            OR (NOT a.required AND (SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.oid = rel) = 'DEFAULT')) LOOP
              EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE %s ON %s FOR EACH %s EXECUTE FUNCTION %I.%I()',
                             trig.trigger_name, CASE WHEN trig.required THEN 'TRUNCATE' ELSE 'INSERT' END, rel::regclass,
                             CASE WHEN trig.required THEN 'STATEMENT' ELSE 'ROW' END, ${literal(AUDIT_SCHEMA)}, trig.function_name);
              EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', rel::regclass, trig.trigger_name);
            END LOOP;
          END IF;
          CONTINUE;
        END IF;
        CONTINUE WHEN audit_guard.break_glass_active();
        IF cmd.command_tag IN ('CREATE POLICY', 'ALTER POLICY', 'CREATE RULE', 'ALTER TRIGGER', 'ALTER RULE') THEN
          PERFORM audit_guard.refuse(format('%s %s', cmd.command_tag, cmd.object_identity));
        ELSIF cmd.command_tag = 'CREATE TRIGGER' THEN
          IF NOT EXISTS (
            SELECT 1 FROM pg_trigger t
            JOIN audit_guard.allowed_triggers a ON a.trigger_name = t.tgname
              AND t.tgfoid = to_regprocedure(${literal(AUDIT_SCHEMA)} || '.' || a.function_name || '()')
            WHERE t.oid = cmd.objid
              AND a.tree = (SELECT p.tree FROM audit_guard.protected_tables p WHERE p.relid = t.tgrelid
                            UNION ALL
                            SELECT p.tree FROM pg_inherits i JOIN audit_guard.protected_tables p ON p.relid = i.inhparent
                            WHERE i.inhrelid = t.tgrelid LIMIT 1)) THEN
            PERFORM audit_guard.refuse(format('CREATE TRIGGER %s', cmd.object_identity));
          END IF;
        ELSIF cmd.command_tag = 'ALTER TABLE' THEN
          SELECT v INTO problem FROM audit_guard.violations() AS v LIMIT 1;
          IF problem IS NOT NULL THEN
            PERFORM audit_guard.refuse(format('ALTER TABLE %s (%s)', cmd.object_identity, problem));
          END IF;
        END IF;
      END LOOP;
    END
    $$`,

    `CREATE OR REPLACE FUNCTION audit_guard.on_sql_drop() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
      obj record;
      owner_table oid;
      glass boolean := audit_guard.break_glass_active();
    BEGIN
      FOR obj IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
        IF obj.object_type IN ('table', 'partitioned table') THEN
          IF EXISTS (SELECT 1 FROM audit_guard.protected_tables p WHERE p.relid = obj.objid) AND NOT glass THEN
            PERFORM audit_guard.refuse(format('DROP of %s', obj.object_identity));
          END IF;
          IF EXISTS (SELECT 1 FROM audit_guard.partitions g WHERE g.relid = obj.objid) THEN
            IF NOT glass AND NOT EXISTS (SELECT 1 FROM audit_guard.retention_approvals a
                                         WHERE a.relid = obj.objid AND a.xact = pg_current_xact_id()) THEN
              PERFORM audit_guard.refuse(format('DROP of partition %s', obj.object_identity));
            END IF;
            DELETE FROM audit_guard.partitions g WHERE g.relid = obj.objid;
          END IF;
        ELSIF glass OR NOT (obj.original OR obj.normal) THEN
          -- Under break glass, or an internal part of something else being dropped (the
          -- triggers of a foreign key, the clones of a partition's trigger): nothing to judge.
          CONTINUE;
        ELSIF obj.object_type = 'table column' THEN
          IF audit_guard.is_guarded(obj.objid) AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = obj.objid) THEN
            PERFORM audit_guard.refuse(format('DROP of column %s', obj.object_identity));
          END IF;
        ELSIF obj.object_type IN ('trigger', 'policy', 'rule') THEN
          -- The table is still there when only its trigger, policy or rule goes.
          owner_table := to_regclass(quote_ident(obj.address_names[1]) || '.' || quote_ident(obj.address_names[2]));
          IF owner_table IS NOT NULL AND audit_guard.is_guarded(owner_table) THEN
            PERFORM audit_guard.refuse(format('DROP of %s %s', obj.object_type, obj.object_identity));
          END IF;
        ELSIF obj.object_type = 'function' THEN
          IF obj.schema_name = ${literal(AUDIT_SCHEMA)} AND obj.address_names[2] = ANY (${textArray(GUARDED_FUNCTIONS)}) THEN
            PERFORM audit_guard.refuse(format('DROP of %s, a function of the audit path,', obj.object_identity));
          END IF;
        END IF;
      END LOOP;
    END
    $$`,

    `CREATE OR REPLACE FUNCTION audit_guard.on_table_rewrite() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
      IF audit_guard.is_guarded(pg_event_trigger_table_rewrite_oid()) AND NOT audit_guard.break_glass_active() THEN
        PERFORM audit_guard.refuse(format('rewriting %s (every row would change without its UPDATE trigger)',
                                          pg_event_trigger_table_rewrite_oid()::regclass));
      END IF;
    END
    $$`,

    `CREATE OR REPLACE FUNCTION audit_guard.break_glass(reason text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
      entry bigint;
    BEGIN
      IF reason IS NULL OR char_length(btrim(reason)) < 10 THEN
        RAISE EXCEPTION 'audit_guard.break_glass: give the reason, in at least 10 characters' USING ERRCODE = '22023';
      END IF;
      INSERT INTO audit_guard.break_glass_log (xact, session_user_name, reason, client_addr)
      VALUES (pg_current_xact_id(), session_user, reason, inet_client_addr())
      RETURNING id INTO entry;
      IF to_regprocedure(${literal(`${AUDIT_SCHEMA}.record_system_event(text, text, text, uuid, text, text, jsonb)`)}) IS NOT NULL THEN
        PERFORM ${AUDIT_SCHEMA}.record_system_event('break_glass', 'break_glass.audit_ddl_guard', NULL, NULL, NULL, NULL,
          jsonb_build_object('reason', reason, 'entry', entry, 'transaction', pg_current_xact_id()::text));
      END IF;
      RAISE WARNING 'audit DDL guard: break glass #% by % for this transaction: %', entry, session_user, reason;
      RETURN entry;
    END
    $$`,

    `CREATE OR REPLACE FUNCTION audit_guard.approve_retention(partitions regclass[]) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
      part regclass;
      bound text;
    BEGIN
      FOREACH part IN ARRAY partitions LOOP
        SELECT pg_get_expr(c.relpartbound, c.oid) INTO bound FROM pg_class c
        WHERE c.oid = part AND EXISTS (SELECT 1 FROM audit_guard.partitions g WHERE g.relid = c.oid);
        IF bound IS NULL OR bound = 'DEFAULT'
           OR substring(bound FROM 'TO \\(''([^'']+)''\\)')::timestamptz > now() - interval '6 years' THEN
          RAISE EXCEPTION 'audit DDL guard: % is not an audit partition that ended more than 6 years ago', part USING ERRCODE = '42501';
        END IF;
        INSERT INTO audit_guard.retention_approvals (xact, relid, relname, bound)
        SELECT pg_current_xact_id(), part, c.relname, bound FROM pg_class c WHERE c.oid = part
        ON CONFLICT DO NOTHING;
      END LOOP;
    END
    $$`,

    `REVOKE ALL ON ALL FUNCTIONS IN SCHEMA audit_guard FROM PUBLIC`,
    `REVOKE ALL ON ALL TABLES IN SCHEMA audit_guard FROM PUBLIC`,
    // The audit tables' owner may break glass (recorded), ask retention's approval, and read the state.
    `DO $$
    DECLARE
      owner_role text := (SELECT relowner::regrole::text FROM pg_class WHERE oid = ${literal(`${AUDIT_SCHEMA}.user_action_audit_logs`)}::regclass);
    BEGIN
      EXECUTE format('GRANT USAGE ON SCHEMA audit_guard TO %s', owner_role);
      EXECUTE format('GRANT EXECUTE ON FUNCTION audit_guard.break_glass(text), audit_guard.approve_retention(regclass[]), audit_guard.violations() TO %s', owner_role);
      EXECUTE format('GRANT SELECT ON audit_guard.break_glass_log, audit_guard.retention_approvals TO %s', owner_role);
    END
    $$`,
    ...GUARD_EVENT_TRIGGERS.map((name) => `DROP EVENT TRIGGER IF EXISTS ${name}`),
    `CREATE EVENT TRIGGER foundation_audit_guard_ddl ON ddl_command_end EXECUTE FUNCTION audit_guard.on_ddl_command_end()`,
    `CREATE EVENT TRIGGER foundation_audit_guard_drop ON sql_drop EXECUTE FUNCTION audit_guard.on_sql_drop()`,
    `CREATE EVENT TRIGGER foundation_audit_guard_rewrite ON table_rewrite EXECUTE FUNCTION audit_guard.on_table_rewrite()`,
    // session_replication_role = replica must not switch the guard off either.
    ...GUARD_EVENT_TRIGGERS.map((name) => `ALTER EVENT TRIGGER ${name} ENABLE ALWAYS`),
  ];
}

/**
 * Removes the guard: its event triggers, functions and state, keeping the break-glass ledger and
 * the retention approvals (evidence) when they hold rows. Run by a superuser.
 */
export function auditDdlGuardRemoveSql(): string[] {
  return [
    ...GUARD_EVENT_TRIGGERS.map((name) => `DROP EVENT TRIGGER IF EXISTS ${name}`),
    `DO $$
    BEGIN
      IF to_regnamespace('audit_guard') IS NULL THEN
        RETURN;
      END IF;
      DROP FUNCTION IF EXISTS audit_guard.on_ddl_command_end(), audit_guard.on_sql_drop(), audit_guard.on_table_rewrite(),
        audit_guard.break_glass(text), audit_guard.approve_retention(regclass[]), audit_guard.violations(),
        audit_guard.refuse(text), audit_guard.is_guarded(oid), audit_guard.break_glass_active();
      DROP TABLE IF EXISTS audit_guard.protected_tables, audit_guard.partitions, audit_guard.allowed_triggers;
      IF NOT EXISTS (SELECT 1 FROM audit_guard.break_glass_log) AND NOT EXISTS (SELECT 1 FROM audit_guard.retention_approvals) THEN
        DROP TABLE audit_guard.break_glass_log, audit_guard.retention_approvals;
        DROP SCHEMA audit_guard;
      END IF;
    END
    $$`,
  ];
}

/**
 * For a later migration that must change an audit table (a policy, a trigger, a function of the
 * audit path): breaks the glass for the migration's transaction when the guard is installed, and
 * does nothing where it is not. The reason is recorded with the break.
 */
export function breakGlassSql(reason: string): string {
  return `
    DO $break$
    BEGIN
      IF to_regnamespace('audit_guard') IS NOT NULL THEN
        PERFORM audit_guard.break_glass(${literal(reason)});
      END IF;
    END
    $break$`;
}

/** The install statements as one psql script, for the DBA (`npm run audit-log -- guard-sql`). */
export function auditDdlGuardScript(): string {
  return [
    '-- foundation-db: audit DDL guard. Run as a superuser, in the application database, after its migrations:',
    '--   psql -v ON_ERROR_STOP=1 -d <database> -f audit-ddl-guard.sql',
    '-- Idempotent: running it again refreshes the guard. See docs/audit-log.md.',
    'BEGIN;',
    ...auditDdlGuardInstallSql().map((statement) => `${statement};`),
    'COMMIT;',
    '',
  ].join('\n');
}
