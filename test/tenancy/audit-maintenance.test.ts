import { DataSource } from 'typeorm';
import { CreateAuditMaintenance1754250036000 } from '../../src/migrations/1754250036000-CreateAuditMaintenance';
import { useAppLogin } from '../support/app-login';
import { disableDdlGuard } from '../support/audit';
import { sqlstateOf } from '../support/rule-check';
import { tenantScopedPartitions } from '../support/tenant-tables';
import { useTestDatabase } from '../support/test-database';
import { columnPrivilegesOf, tablePrivilegesOf } from '../support/privileges';

const MAINTAINER_FUNCTIONS = [
  'anchor_audit_log_retention(regclass[])',
  'anchor_system_audit_log_retention(regclass[])',
  'audit_log_retention_gaps(regclass[])',
  'list_audit_log_tenants()',
  'record_audit_log_retention_anchors(regclass)',
  'system_audit_log_chain_heads()',
  'system_audit_log_chain_rows(text,bigint,uuid,integer)',
  'system_audit_log_event_sequences(text,uuid)',
  'system_audit_log_retention_gaps(regclass[])',
  'user_action_audit_log_chain_heads()',
  'user_action_audit_log_chain_rows(uuid,bigint,uuid,integer)',
  'user_action_audit_log_event_sequences(uuid,uuid)',
  'verify_audit_log_chain(uuid)',
];
/** Of those, the ones the checkpoint job's login (foundation_audit_reader) may call too. */
const READING_FUNCTIONS = MAINTAINER_FUNCTIONS.filter((signature) => /_chain_(heads|rows)|_event_sequences/.test(signature));

/**
 * The narrow path for audit upkeep (CreateAuditMaintenance): what `foundation_audit_maintainer`
 * may do, read from the catalog, and that nobody but the audit table's owner reaches it.
 */
describe('audit maintenance role and functions', () => {
  const db = useTestDatabase();
  const appLogin = useAppLogin(db);
  let app: DataSource;

  beforeAll(async () => {
    app = await appLogin.connect(1);
  });

  it('the maintainer is a plain NOLOGIN role: no superuser, BYPASSRLS, CREATEROLE, CREATEDB or REPLICATION', async () => {
    const [role] = await db.dataSource.query(
      `SELECT rolsuper, rolbypassrls, rolcanlogin, rolcreaterole, rolcreatedb, rolreplication FROM pg_roles WHERE rolname = $1`,
      ['foundation_audit_maintainer'],
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false, rolcreaterole: false, rolcreatedb: false, rolreplication: false });
  });

  it('it may read the audit rows, the chains and tenant ids, and update only the retention anchor', async () => {
    const tables = await tablePrivilegesOf(db.dataSource, 'foundation_audit_maintainer');
    expect(tables).toEqual([
      { relname: 'system_audit_log', privileges: 'SELECT' },
      { relname: 'system_audit_log_chains', privileges: 'SELECT' },
      { relname: 'user_action_audit_log_chains', privileges: 'SELECT' },
      { relname: 'user_action_audit_logs', privileges: 'SELECT' },
    ]);
    const columns = await columnPrivilegesOf(db.dataSource, 'foundation_audit_maintainer');
    expect(columns).toEqual([
      { relname: 'system_audit_log_chains', attname: 'anchor_hash', privilege: 'UPDATE' },
      { relname: 'system_audit_log_chains', attname: 'anchor_sequence', privilege: 'UPDATE' },
      { relname: 'system_audit_log_chains', attname: 'updated_at', privilege: 'UPDATE' },
      { relname: 'tenants', attname: 'id', privilege: 'SELECT' },
      { relname: 'user_action_audit_log_chains', attname: 'anchor_hash', privilege: 'UPDATE' },
      { relname: 'user_action_audit_log_chains', attname: 'anchor_sequence', privilege: 'UPDATE' },
      { relname: 'user_action_audit_log_chains', attname: 'updated_at', privilege: 'UPDATE' },
    ]);
    for (const partition of await tenantScopedPartitions(db.dataSource)) {
      const [row] = await db.dataSource.query(`SELECT has_table_privilege($1, $2::regclass, 'SELECT, INSERT, UPDATE, DELETE') AS any`, [
        'foundation_audit_maintainer',
        partition,
      ]);
      expect({ partition, any: row.any }).toEqual({ partition, any: false });
    }
  });

  it('its policies are its own, one per table, for exactly what it may do', async () => {
    const policies = await db.dataSource.query(
      `SELECT tablename, policyname, cmd, roles::text[] AS roles, qual, with_check FROM pg_policies
       WHERE schemaname = current_schema() AND roles && ARRAY[$1]::name[] ORDER BY tablename`,
      ['foundation_audit_maintainer'],
    );
    const roles = ['foundation_audit_maintainer'];
    expect(policies).toEqual([
      { tablename: 'system_audit_log', policyname: 'pol_system_audit_log_audit_maintenance', cmd: 'SELECT', roles, qual: 'true', with_check: null },
      { tablename: 'system_audit_log_chains', policyname: 'pol_system_audit_log_chains_audit_maintenance', cmd: 'ALL', roles, qual: 'true', with_check: 'true' },
      { tablename: 'tenants', policyname: 'pol_tenants_audit_maintenance', cmd: 'SELECT', roles, qual: 'true', with_check: null },
      { tablename: 'user_action_audit_log_chains', policyname: 'pol_user_action_audit_log_chains_audit_maintenance', cmd: 'ALL', roles, qual: 'true', with_check: 'true' },
      { tablename: 'user_action_audit_logs', policyname: 'pol_user_action_audit_logs_audit_maintenance', cmd: 'SELECT', roles, qual: 'true', with_check: null },
    ]);
  });

  it('it owns the reading and anchoring functions (SECURITY DEFINER, pinned search_path); only the table owner (and, for reading, foundation_audit_reader) may execute them', async () => {
    const rows = await db.dataSource.query(
      `SELECT replace(p.oid::regprocedure::text, ', ', ',') AS signature, p.proowner::regrole::text AS owner, p.prosecdef, p.proconfig,
              has_function_privilege($2, p.oid, 'EXECUTE') AS app,
              has_function_privilege('foundation_audit_reader', p.oid, 'EXECUTE') AS reader,
              has_function_privilege('public', p.oid, 'EXECUTE') AS everyone,
              has_function_privilege((SELECT relowner FROM pg_class WHERE oid = 'user_action_audit_logs'::regclass), p.oid, 'EXECUTE') AS table_owner
       FROM pg_proc p WHERE p.oid = ANY ($1::regprocedure[]) ORDER BY 1`,
      [MAINTAINER_FUNCTIONS, 'foundation_app'],
    );
    rows.sort((a: { signature: string }, b: { signature: string }) => (a.signature < b.signature ? -1 : 1));
    expect(rows).toEqual(
      MAINTAINER_FUNCTIONS.map((signature) => ({
        signature,
        owner: 'foundation_audit_maintainer',
        prosecdef: true,
        proconfig: ['search_path=pg_catalog, public, pg_temp'],
        app: false,
        reader: READING_FUNCTIONS.includes(signature),
        everyone: false,
        table_owner: true,
      })),
    );
    // DETACH and DROP need the table's owner: retention itself stays the owner's, with its rights.
    const [retention] = await db.dataSource.query(
      `SELECT p.proowner = c.relowner AS owned_by_table_owner, p.prosecdef
       FROM pg_proc p, pg_class c WHERE p.oid = 'drop_expired_audit_log_partitions(interval)'::regprocedure AND c.oid = 'user_action_audit_logs'::regclass`,
    );
    expect(retention).toEqual({ owned_by_table_owner: true, prosecdef: false });
  });

  it('the application role can call none of them', async () => {
    const calls = [
      'SELECT * FROM list_audit_log_tenants()',
      `SELECT * FROM verify_audit_log_chain(gen_random_uuid())`,
      `SELECT record_audit_log_retention_anchors('user_action_audit_logs_default'::regclass)`,
      `SELECT anchor_audit_log_retention(ARRAY['user_action_audit_logs_default'::regclass])`,
      `SELECT * FROM user_action_audit_log_chain_heads()`,
      `SELECT * FROM user_action_audit_log_chain_rows(gen_random_uuid(), 0, gen_random_uuid(), 10)`,
      `SELECT * FROM system_audit_log_chain_heads()`,
      `SELECT * FROM system_audit_log_chain_rows('login', 0, gen_random_uuid(), 10)`,
    ];
    for (const sql of calls) expect({ sql, sqlstate: await sqlstateOf(() => app.query(sql)) }).toEqual({ sql, sqlstate: '42501' });
  });

  it('anchors move only for a monthly partition that ended more than six years ago', async () => {
    const [current] = await db.dataSource.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'user_action_audit_logs'::regclass AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT' LIMIT 1`,
    );
    for (const target of ['user_action_audit_logs_default', current.relname, 'tenants']) {
      const sql = `SELECT record_audit_log_retention_anchors('${target}')`;
      expect({ target, sqlstate: await sqlstateOf(() => db.dataSource.query(sql)) }).toEqual({ target, sqlstate: '22023' });
    }
  });

  it('down gives verify_audit_log_chain back exactly: table owner, invoker, no settings, NULL ACL (PUBLIC)', async () => {
    const state = `SELECT p.proowner = c.relowner AS owned_by_table_owner, p.prosecdef, p.proconfig, p.proacl IS NULL AS default_acl,
                          obj_description(p.oid, 'pg_proc') AS comment,
                          to_regprocedure('list_audit_log_tenants()') IS NULL AS list_gone,
                          to_regprocedure('record_audit_log_retention_anchors(regclass)') IS NULL AS anchors_gone
                   FROM pg_proc p, pg_class c
                   WHERE p.oid = 'verify_audit_log_chain(uuid)'::regprocedure AND c.oid = 'user_action_audit_logs'::regclass`;
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      // The DDL guard would stop this revert of one migration in the middle of the chain: switched off here.
      await disableDdlGuard(runner);
      await new CreateAuditMaintenance1754250036000().down(runner);
      expect(await runner.query(state)).toEqual([
        {
          owned_by_table_owner: true,
          prosecdef: false,
          proconfig: null,
          default_acl: true,
          comment: 'Walks a tenant\'s audit chain from its retention anchor; returns the first changed, missing or reordered row, or no row when intact.',
          list_gone: true,
          anchors_gone: true,
        },
      ]);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
