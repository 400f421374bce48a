import { SqlRunner } from './key-store';

/**
 * What the migrations cannot do, because it is not part of the schema: privileges on the
 * database itself and on PostgreSQL's own catalog functions. Each step closes a channel that the
 * application role does not need (docs/tenancy.md, "Side channels"); each is idempotent, so a deploy
 * may run `npm run tenant-context -- harden --apply` every time. Database privileges are not
 * copied by CREATE DATABASE ... TEMPLATE nor restored by pg_restore into a new database, and
 * pg_catalog's privileges are per database: run it for every database, after every restore.
 */
export interface HardeningOptions {
  /** The database (its name is spliced into the statements). */
  database: string;
  /** The role that runs migrations: it keeps the deploy lock's advisory-lock function. */
  migratorRole: string;
  /** The login the application connects as, if its settings should be pinned too. */
  appLogin?: string;
  /** The application role; `foundation_app`. */
  appRole?: string;
}

export interface HardeningStep {
  name: string;
  /** The channel or attack it closes. */
  closes: string;
  /** Who may run it. */
  needs: 'database owner' | 'superuser';
  statements(options: HardeningOptions): string[];
  /** A query returning one row with a boolean `in_effect`. */
  inEffectSql(options: HardeningOptions): string;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The session-level advisory-lock functions on a bigint key: the deploy's migration lock is one (src/database/migration-safety/advisory-lock.ts). */
const BIGINT_ADVISORY_LOCKS = [
  'pg_advisory_lock(bigint)',
  'pg_advisory_lock_shared(bigint)',
  'pg_try_advisory_lock(bigint)',
  'pg_try_advisory_lock_shared(bigint)',
  'pg_advisory_xact_lock(bigint)',
  'pg_advisory_xact_lock_shared(bigint)',
  'pg_try_advisory_xact_lock(bigint)',
  'pg_try_advisory_xact_lock_shared(bigint)',
];

const ACTIVITY_FUNCTIONS = ['pg_stat_get_activity(integer)', 'pg_stat_get_backend_activity(integer)'];

/** Every large-object function in pg_catalog, whatever the server version has. */
const LARGE_OBJECT_FUNCTIONS = `
  SELECT p.oid::regprocedure AS f FROM pg_catalog.pg_proc p
  WHERE p.pronamespace = 'pg_catalog'::regnamespace AND (p.proname LIKE 'lo\\_%' OR p.proname IN ('loread', 'lowrite'))`;

export const HARDENING_STEPS: HardeningStep[] = [
  {
    name: 'temporary-objects',
    closes: 'temporary tables, views and functions made by the application (a temporary table named like one of ours outlives the transaction on a pooled connection)',
    needs: 'database owner',
    statements: ({ database }) => [`REVOKE TEMPORARY ON DATABASE ${ident(database)} FROM PUBLIC`],
    inEffectSql: ({ appRole = 'foundation_app' }) =>
      `SELECT NOT has_database_privilege('public', current_database(), 'TEMPORARY')
              AND NOT has_database_privilege(${literal(appRole)}, current_database(), 'TEMPORARY') AS in_effect`,
  },
  {
    name: 'other-sessions-activity',
    closes: "other sessions' query text in pg_stat_activity (every session of the same login is visible to it)",
    needs: 'superuser',
    statements: () => [
      `REVOKE SELECT ON pg_catalog.pg_stat_activity FROM PUBLIC`,
      `REVOKE EXECUTE ON FUNCTION ${ACTIVITY_FUNCTIONS.map((f) => `pg_catalog.${f}`).join(', ')} FROM PUBLIC`,
      // Monitoring keeps what it had: members of pg_read_all_stats (pg_monitor) see every session.
      `GRANT SELECT ON pg_catalog.pg_stat_activity TO pg_read_all_stats`,
      `GRANT EXECUTE ON FUNCTION ${ACTIVITY_FUNCTIONS.map((f) => `pg_catalog.${f}`).join(', ')} TO pg_read_all_stats`,
    ],
    inEffectSql: ({ appRole = 'foundation_app' }) =>
      `SELECT NOT has_table_privilege(${literal(appRole)}, 'pg_catalog.pg_stat_activity', 'SELECT')
              AND NOT has_function_privilege('public', 'pg_catalog.pg_stat_get_activity(integer)', 'EXECUTE')
              AND NOT has_function_privilege('public', 'pg_catalog.pg_stat_get_backend_activity(integer)', 'EXECUTE') AS in_effect`,
  },
  {
    name: 'large-objects',
    closes: 'large objects, which every role may create and which all sessions of one role share, across tenants',
    needs: 'superuser',
    statements: () => [
      `DO $$
DECLARE
  fn record;
BEGIN
  FOR fn IN ${LARGE_OBJECT_FUNCTIONS.trim()} LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', fn.f);
  END LOOP;
END
$$`,
    ],
    inEffectSql: () => `SELECT NOT EXISTS (
        SELECT 1 FROM (${LARGE_OBJECT_FUNCTIONS}) lo WHERE has_function_privilege('public', lo.f, 'EXECUTE')) AS in_effect`,
  },
  {
    name: 'deploy-lock',
    closes: "the deploy's migration lock (a bigint advisory lock any role could take, blocking every deploy)",
    needs: 'superuser',
    statements: ({ migratorRole }) => [
      `REVOKE EXECUTE ON FUNCTION ${BIGINT_ADVISORY_LOCKS.map((f) => `pg_catalog.${f}`).join(', ')} FROM PUBLIC`,
      `GRANT EXECUTE ON FUNCTION pg_catalog.pg_try_advisory_lock(bigint) TO ${ident(migratorRole)}`,
    ],
    inEffectSql: ({ migratorRole }) =>
      `SELECT NOT EXISTS (
         SELECT 1 FROM unnest(ARRAY[${BIGINT_ADVISORY_LOCKS.map((f) => literal(`pg_catalog.${f}`)).join(', ')}]) AS f
         WHERE has_function_privilege('public', f::regprocedure, 'EXECUTE'))
       AND has_function_privilege(${literal(migratorRole)}, 'pg_catalog.pg_try_advisory_lock(bigint)', 'EXECUTE') AS in_effect`,
  },
  {
    name: 'application-login',
    closes: 'an unpinned search_path and bind parameters (tenant proofs, PHI) in statement logs, for the application login',
    needs: 'superuser',
    statements: ({ database, appLogin }) =>
      appLogin
        ? [
            `ALTER ROLE ${ident(appLogin)} IN DATABASE ${ident(database)} SET search_path = public, pg_temp`,
            `ALTER ROLE ${ident(appLogin)} IN DATABASE ${ident(database)} SET log_parameter_max_length = 0`,
          ]
        : [],
    inEffectSql: ({ appLogin }) =>
      appLogin
        ? `SELECT coalesce((
             SELECT s.setconfig @> ARRAY['search_path=public, pg_temp', 'log_parameter_max_length=0']
             FROM pg_catalog.pg_db_role_setting s
             WHERE s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
               AND s.setrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = ${literal(appLogin)})), false) AS in_effect`
        : `SELECT true AS in_effect`,
  },
];

export interface HardeningState {
  step: HardeningStep;
  inEffect: boolean;
}

/** Which steps are in effect on the connected database. */
export async function inspectHardening(runner: SqlRunner, options: HardeningOptions): Promise<HardeningState[]> {
  const states: HardeningState[] = [];
  for (const step of HARDENING_STEPS) {
    const result = await runner.query(step.inEffectSql(options));
    const rows = Array.isArray(result) ? result : result.rows;
    states.push({ step, inEffect: rows[0].in_effect === true });
  }
  return states;
}

/** Every statement, as a psql script for the DBA, with what each step closes and who must run it. */
export function hardeningScript(options: HardeningOptions): string {
  const lines = [`-- foundation-db hardening for database ${options.database} (docs/tenancy.md)`];
  for (const step of HARDENING_STEPS) {
    const statements = step.statements(options);
    if (statements.length === 0) continue;
    lines.push('', `-- ${step.name} (as ${step.needs}): closes ${step.closes}`);
    for (const statement of statements) lines.push(`${statement};`);
  }
  return `${lines.join('\n')}\n`;
}
