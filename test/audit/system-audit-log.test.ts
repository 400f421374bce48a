import { DataSource } from 'typeorm';
import {
  InvalidAuditEventError,
  recordKeyEvent,
  recordMigrationEvent,
  recordSystemEvent,
  systemAuditLogAvailable,
  verifyAuditLogs,
} from '../../src/audit';
import { enterTenant, resolveLogin, withPlatformRole } from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { disableDdlGuard } from '../support/audit';
import { tablePrivilegesOf } from '../support/privileges';
import { createTenant, Query, TABLE_WRITERS } from '../support/tenant-data';
import { outcomeOf, sqlstateOf } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

const ISSUER = 'https://sso.example.org/';

interface SystemRow {
  stream: string;
  event_type: string;
  database_user: string;
  actor: string | null;
  subject_tenant_id: string | null;
  object_name: string | null;
  checksum: string | null;
  details: Record<string, unknown>;
  chain_sequence: string;
}

/**
 * The system audit log (CreateSystemAuditLog, RecordPlatformEvents): platform-level events in
 * their own append-only, chained table that no tenant can read, written from inside the
 * platform and login functions and through recordSystemEvent.
 */
describe('the system audit log', () => {
  const db = useTestDatabase();
  const appLogin = useAppLogin(db);
  const platformLogin = useAppLogin(db, ['foundation_platform'], false);
  let app: DataSource;
  let platform: DataSource;
  const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);

  beforeAll(async () => {
    app = await appLogin.connect(1);
    platform = await platformLogin.connect(1);
  });

  /** The rows of a stream after `after`, in chain order, as a superuser reads them. */
  async function streamRows(stream: string, after = 0): Promise<SystemRow[]> {
    return db.dataSource.query(
      `SELECT stream, event_type, database_user, actor, subject_tenant_id, object_name, checksum, details, chain_sequence::text
       FROM system_audit_log WHERE stream = $1 AND chain_sequence > $2 ORDER BY chain_sequence`,
      [stream, after],
    );
  }

  const lastSequence = async (stream: string): Promise<number> =>
    Number((await db.dataSource.query(`SELECT coalesce(max(chain_sequence), 0) AS n FROM system_audit_log WHERE stream = $1`, [stream]))[0].n);

  it('is readable by no tenant: no tenant_id column, no privilege for the application role, not even through withTenant', async () => {
    const columns: { attname: string }[] = await db.dataSource.query(
      `SELECT a.attname FROM pg_attribute a WHERE a.attrelid IN ('system_audit_log'::regclass, 'system_audit_log_chains'::regclass) AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    expect(columns.map((c) => c.attname)).not.toContain('tenant_id');
    expect((await tablePrivilegesOf(db.dataSource, 'foundation_app')).map((row) => row.relname)).not.toEqual(expect.arrayContaining(['system_audit_log']));
    const tenantId = await createTenant(owner);
    for (const sql of [
      'SELECT * FROM system_audit_log',
      'SELECT * FROM system_audit_log_chains',
      `INSERT INTO system_audit_log (stream, event_type) VALUES ('platform', 'platform.fake')`,
      `SELECT * FROM record_system_event('platform', 'platform.fake')`,
      `SELECT * FROM system_audit_log_chain_rows('platform', 0, gen_random_uuid(), 10)`,
    ]) {
      const state = await sqlstateOf(() =>
        app.transaction(async (m) => {
          await enterTenant(m, tenantId);
          await m.query(sql);
        }),
      );
      expect({ sql, state }).toEqual({ sql, state: '42501' });
    }
    const [rls] = await db.dataSource.query(`SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'system_audit_log'::regclass`);
    expect(rls).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
  });

  it('platform operations are recorded from inside the functions: who (login and actor), what, about which tenant', async () => {
    const before = await lastSequence('platform');
    const tenantId = await withPlatformRole(platform, (o) => o.registerTenant('Cedar Care', 'cedar-care'), { actor: 'ops@platform.example.org' });
    await withPlatformRole(platform, (o) => o.setTenantStatus(tenantId, 'suspended'));
    const listed = await withPlatformRole(platform, (o) => o.listTenants());
    const rows = await streamRows('platform', before);
    expect(rows).toEqual([
      expect.objectContaining({ event_type: 'platform.register_tenant', database_user: platformLogin.role, actor: 'ops@platform.example.org', subject_tenant_id: tenantId, details: { name: 'Cedar Care', slug: 'cedar-care' } }),
      expect.objectContaining({ event_type: 'platform.set_tenant_status', database_user: platformLogin.role, actor: null, subject_tenant_id: tenantId, details: { from: 'active', to: 'suspended' } }),
      expect.objectContaining({ event_type: 'platform.list_tenants', subject_tenant_id: null, details: { tenants: listed.length } }),
    ]);
    // A failed operation records nothing: the event rolls back with it.
    await expect(withPlatformRole(platform, (o) => o.registerTenant('Bad', 'Not A Slug'))).rejects.toThrow();
    expect(await lastSequence('platform')).toBe(before + 3);
  });

  it('every login resolution is recorded, the ones that find nobody too', async () => {
    const tenantId = await createTenant(owner);
    const userId = await TABLE_WRITERS.users!.insert(owner, tenantId, { facilityId: '', userId: '' });
    const [{ id: system }] = await owner(`INSERT INTO ciam_systems (tenant_id, kind, display_name, issuer_url) VALUES ($1, 'oidc', 'IdP', $2) RETURNING id`, [tenantId, ISSUER]);
    await owner(`INSERT INTO user_ciam_mappings (tenant_id, user_id, ciam_system_id, external_subject) VALUES ($1, $2, $3, 'subject-1')`, [tenantId, userId, system]);
    const before = await lastSequence('login');
    expect(await resolveLogin(app, ISSUER, 'subject-1')).toEqual([{ tenantId, userId }]);
    expect(await resolveLogin(app, ISSUER, 'probing')).toEqual([]);
    expect(await streamRows('login', before)).toEqual([
      expect.objectContaining({
        event_type: 'login.resolve',
        database_user: appLogin.role,
        subject_tenant_id: tenantId,
        details: { issuer: ISSUER, subject: 'subject-1', cut: false, resolved: [{ tenant_id: tenantId, user_id: userId }] },
      }),
      expect.objectContaining({ event_type: 'login.resolve', subject_tenant_id: null, details: { issuer: ISSUER, subject: 'probing', cut: false, resolved: [] } }),
    ]);
  });

  it('recordSystemEvent, recordMigrationEvent and recordKeyEvent write chained rows; the database names the login, not the caller', async () => {
    expect(await systemAuditLogAvailable(db.dataSource.manager)).toBe(true);
    const migration = await recordMigrationEvent(db.dataSource.manager, { action: 'run', name: 'CreateTenants1754250020000', checksum: 'a'.repeat(64), actor: 'deploy job 42' });
    expect(migration).toMatchObject({ chainSequence: expect.any(String) });
    const key = await recordKeyEvent(db.dataSource.manager, { action: 'shred', keyId: 'tenant-key-7', subjectTenantId: null, details: { reason: 'tenant left' } });
    const [migrationRow] = await streamRows('migrations', Number(migration!.chainSequence) - 1);
    expect(migrationRow).toMatchObject({ event_type: 'migration.run', object_name: 'CreateTenants1754250020000', checksum: 'a'.repeat(64), actor: 'deploy job 42', database_user: db.settings.username });
    const [keyRow] = await streamRows('keys', Number(key.chainSequence) - 1);
    expect(keyRow).toMatchObject({ event_type: 'key.shred', object_name: 'tenant-key-7', details: { reason: 'tenant left' } });
    // A direct insert cannot choose database_user either (a superuser here; nobody else may insert at all).
    await db.dataSource.query(`INSERT INTO system_audit_log (stream, event_type, database_user) VALUES ('audit', 'audit.test', 'somebody_else')`);
    const [direct] = await db.dataSource.query(`SELECT database_user FROM system_audit_log WHERE event_type = 'audit.test'`);
    expect(direct.database_user).toBe(db.settings.username);
  });

  it('refuses a malformed event before the database, with every reason', async () => {
    const error = await recordSystemEvent(db.dataSource.manager, { stream: 'nope' as never, eventType: 'NotDotted', actor: '' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidAuditEventError);
    expect((error as InvalidAuditEventError).problems).toHaveLength(3);
  });

  it('is append-only for everyone, on the parent and its partitions, and its chains verify', async () => {
    const [{ partition }] = await db.dataSource.query(`SELECT tableoid::regclass::text AS partition FROM system_audit_log LIMIT 1`);
    for (const sql of [`UPDATE system_audit_log SET actor = 'x'`, `DELETE FROM system_audit_log`, `TRUNCATE system_audit_log`, `DELETE FROM ${partition}`, `TRUNCATE ${partition}`]) {
      expect({ sql, outcome: await outcomeOf(() => db.dataSource.query(sql)) }).toEqual({ sql, outcome: expect.stringContaining('append-only') });
    }
    const report = await verifyAuditLogs(db.dataSource.manager, { history: null, logs: ['system'] });
    expect(report.chains.map((c) => c.chain).sort()).toEqual(expect.arrayContaining(['audit', 'keys', 'login', 'migrations', 'platform']));
    expect(report.intact).toBe(true);
  });

  it('tampering with it is reported like the user-action log', async () => {
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      await disableDdlGuard(runner);
      await runner.query(`ALTER TABLE system_audit_log DISABLE TRIGGER trg_system_audit_log_append_only`);
      await runner.query(`UPDATE system_audit_log SET actor = 'someone else' WHERE stream = 'platform' AND chain_sequence = 1`);
      await runner.query(`DELETE FROM system_audit_log WHERE stream = 'login' AND chain_sequence = 1`);
      const report = await verifyAuditLogs(runner.manager, { history: null, logs: ['system'] });
      const problems = Object.fromEntries(report.chains.map((c) => [c.chain, c.problems.map((p) => `${p.kind} ${p.sequence}`)]));
      expect(problems).toMatchObject({ platform: ['changed 1'], login: ['missing 1'] });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
