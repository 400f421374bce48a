import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import {
  DirectoryCheckpointStore,
  PrivateKeySigner,
  TrustedKeys,
  applyAuditRetention,
  ensureAuditPartitions,
  listAuditLogTenants,
  loadCheckpointHistory,
  makeCheckpoint,
  verifyAuditLogs,
} from '../../src/audit';
import type { ChainProblem } from '../../src/audit';
import { FoundationDataSource } from '../../src/database/foundation-data-source';
import { enterTenant, installTenantContextKey, resolveTenantContextKey } from '../../src/database/tenant-context';
import { breakGlassSql } from '../../src/migrations/support/audit-ddl-guard';
import { useAppLogin } from '../support/app-login';
import { createMonthPartition, importHistoricEvents } from '../support/audit';
import { runProjectCli } from '../support/cli';
import { FUNCTION_OWNING_ROLES, useOwnerLogin } from '../support/owner-login';
import { sqlstateOf } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

const brief = (problems: ChainProblem[]) => problems.map(({ kind, sequence, lastSequence }) => ({ kind, sequence, ...(lastSequence ? { lastSequence } : {}) }));

/**
 * The audit log's upkeep and evidence with a table owner that is NOT a superuser, as on a
 * managed PostgreSQL service: no event trigger can be created there, so there is no DDL guard,
 * and the owner can disable the append-only trigger, detach a partition and rewrite chain heads.
 * Forced row-level security hides every tenant's rows from it (only superusers skip it), so
 * upkeep goes through the maintenance functions. Everything the owner does to the chains here is
 * caught by verification against signed checkpoints, which it cannot forge: the key never
 * reaches the database.
 */
describe('audit log upkeep and evidence with an owner that is not a superuser', () => {
  const db = useTestDatabase('empty');
  const owner = useOwnerLogin(db, FUNCTION_OWNING_ROLES);
  const reader = useAppLogin(db, ['foundation_audit_reader']);
  let ownerSource: FoundationDataSource;
  let readerSource: DataSource;
  const tenants = [randomUUID(), randomUUID()].sort();
  const expiredAt = new Date(Date.UTC(new Date().getUTCFullYear() - 8, 0, 15)).toISOString();
  let expired: string;
  let storeDir: string;
  let signer: PrivateKeySigner;
  let keys: TrustedKeys;

  /** As the owner, inside one tenant's context (the only way it can write under forced RLS). */
  async function asOwnerInTenant(tenantId: string, statements: [string, unknown[]?][]): Promise<void> {
    await ownerSource.transaction(async (manager) => {
      await enterTenant(manager, tenantId);
      for (const [sql, parameters] of statements) await manager.query(sql, parameters);
    });
  }

  const event = `INSERT INTO user_action_audit_logs (tenant_id, action, entity_type) VALUES ($1, 'read', 'client')`;
  const store = () => new DirectoryCheckpointStore(storeDir);
  const verify = async () => verifyAuditLogs(ownerSource.manager, { history: await loadCheckpointHistory(store(), keys, db.name) });
  const checkpoint = () => makeCheckpoint(ownerSource.manager, { store: store(), signer, trustedKeys: keys });

  beforeAll(async () => {
    storeDir = mkdtempSync(path.join(os.tmpdir(), 'foundation-audit-store-'));
    signer = new PrivateKeySigner(generateKeyPairSync('ed25519').privateKey);
    keys = TrustedKeys.fromPemTexts([signer.publicKeyPem]);
    ownerSource = await owner.connect();
    await ownerSource.runMigrations({ transaction: 'each' });
    // As a deploy does after migrating: the schema owner installs the application's key.
    await installTenantContextKey(ownerSource, resolveTenantContextKey());
    // Without the memberships it needed for migrating: their roles' policies would otherwise
    // show it every row (see owner-login.ts), and only the maintenance functions are tested.
    await owner.leaveRoles();
    readerSource = await reader.connect(1);
    // A partition for a month more than six years ago, and rows in it from a historic import
    // (a superuser's: nobody else may date an event back).
    expired = await createMonthPartition(db.dataSource, expiredAt);
    for (const [i, tenantId] of tenants.entries()) {
      await db.dataSource.query(`INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)`, [tenantId, `Owner test ${i}`, `owner-test-${i}`]);
      await importHistoricEvents(db.dataSource, tenantId, expiredAt, 3); // sequences 1-3
      await asOwnerInTenant(tenantId, [[event, [tenantId]], [event, [tenantId]]]); // 4-5, now
    }
  });

  afterAll(() => rmSync(storeDir, { recursive: true, force: true }));

  it('the migrations ran as that owner, which is no superuser, is bound by row-level security, and got no DDL guard', async () => {
    const [me] = await ownerSource.query(
      `SELECT current_user AS role, rolsuper, rolbypassrls,
              (SELECT relowner::regrole::text FROM pg_class WHERE oid = 'user_action_audit_logs'::regclass) AS audit_owner,
              (SELECT count(*)::int FROM user_action_audit_logs) AS audit_rows,
              (SELECT count(*)::int FROM system_audit_log) AS system_rows,
              (SELECT count(*)::int FROM tenants) AS tenants,
              (SELECT count(*)::int FROM pg_event_trigger) AS event_triggers
       FROM pg_roles WHERE rolname = current_user`,
    );
    expect(me).toEqual({ role: owner.role, rolsuper: false, rolbypassrls: false, audit_owner: owner.role, audit_rows: 0, system_rows: 0, tenants: 0, event_triggers: 0 });
    // Where there is no guard, a migration's break glass does nothing (and fails nothing).
    expect(await sqlstateOf(() => ownerSource.query(breakGlassSql('no guard here, nothing to break')))).toBe('ok');
    const [all] = await db.dataSource.query(`SELECT count(*)::int AS n FROM user_action_audit_logs`);
    expect(all.n).toBe(10);
  });

  it('partitions: the coming months of both logs are created, nothing is skipped', async () => {
    const outcomes = await ensureAuditPartitions(ownerSource.manager, 5);
    expect(outcomes.filter((o) => o.table === 'user_action_audit_logs').map((o) => o.outcome)).toEqual(['exists', 'exists', 'exists', 'exists', 'created', 'created']);
    expect(outcomes.some((o) => o.outcome.startsWith('skipped'))).toBe(false);
  });

  it('the owner cannot date an event, nor import one, nor make the chain skip a row', async () => {
    const tenantId = tenants[0]!;
    const backdated = `INSERT INTO user_action_audit_logs (tenant_id, occurred_at, action, entity_type) VALUES ($1, now() - interval '1 day', 'read', 'client')`;
    expect(await sqlstateOf(() => asOwnerInTenant(tenantId, [[backdated, [tenantId]]]))).toBe('23514');
    expect(await sqlstateOf(() => asOwnerInTenant(tenantId, [[`SET LOCAL foundation.audit_historic_import = on`], [backdated, [tenantId]]]))).toBe('23514');
    const id = randomUUID();
    const twice = `INSERT INTO user_action_audit_logs (tenant_id, id, action, entity_type) VALUES ($1, $2, 'read', 'client') ON CONFLICT DO NOTHING`;
    expect(await sqlstateOf(() => asOwnerInTenant(tenantId, [[twice, [tenantId, id]], [twice, [tenantId, id]]]))).toBe('23505');
  });

  it('verify (API), as the owner: every tenant listed, each chain intact', async () => {
    expect(await listAuditLogTenants(ownerSource.manager)).toEqual(tenants);
    const report = await verifyAuditLogs(ownerSource.manager, { history: null, logs: ['user_action'] });
    expect(report.chains.map((chain) => ({ chain: chain.chain, intact: chain.intact, rows: chain.rows }))).toEqual(tenants.map((chain) => ({ chain, intact: true, rows: 5 })));
  });

  it("retention moves every tenant's anchor past the dropped rows before dropping their partition", async () => {
    const lastDropped: { tenant_id: string; row_hash: Buffer }[] = await db.dataSource.query(
      `SELECT tenant_id, row_hash FROM user_action_audit_logs WHERE chain_sequence = 3 ORDER BY tenant_id`,
    );
    expect(lastDropped.map((row) => row.tenant_id)).toEqual(tenants);
    const outcomes = await applyAuditRetention(ownerSource.manager);
    expect(outcomes).toEqual([{ table: 'user_action_audit_logs', partitionName: expired, outcome: 'dropped' }]);
    const anchors: { tenant_id: string; anchor_sequence: string; anchor_hash: Buffer }[] = await db.dataSource.query(
      `SELECT tenant_id, anchor_sequence, anchor_hash FROM user_action_audit_log_chains ORDER BY tenant_id`,
    );
    expect(anchors.map((a) => ({ tenant: a.tenant_id, sequence: String(a.anchor_sequence), hash: a.anchor_hash.toString('hex') }))).toEqual(
      lastDropped.map((row) => ({ tenant: row.tenant_id, sequence: '3', hash: row.row_hash.toString('hex') })),
    );
    const [left] = await db.dataSource.query(`SELECT count(*)::int AS n, min(chain_sequence)::int AS first FROM user_action_audit_logs`);
    expect(left).toEqual({ n: 4, first: 4 });
    const report = await verifyAuditLogs(ownerSource.manager, { history: null, logs: ['user_action'] });
    expect(report.chains.every((chain) => chain.intact && chain.rows === 2)).toBe(true);
  });

  it('checkpoint and verify run as a login granted only foundation_audit_reader: every chain signed, then intact', async () => {
    for (let i = 0; i < 6; i++) await db.dataSource.query(`INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)`, [victim(i), `Victim ${i}`, `victim-${i}`]);
    for (let i = 0; i < 6; i++) await asOwnerInTenant(victim(i), Array.from({ length: 6 }, (): [string, unknown[]] => [event, [victim(i)]]));
    const run = await makeCheckpoint(readerSource.manager, { store: store(), signer, trustedKeys: keys });
    expect(run).toMatchObject({ number: 1, refused: [], storeProblems: [] });
    // Plus two system-log streams: `audit` holds the retention drop, `migrations` the migrations
    // that built this database (the runner records each one).
    expect(run.chains).toBe(tenants.length + 6 + 2);
    const report = await verifyAuditLogs(readerSource.manager, { history: await loadCheckpointHistory(store(), keys, db.name) });
    expect(report).toMatchObject({ intact: true, unverified: false });
    // The reader can read nothing else.
    expect(await sqlstateOf(() => readerSource.query(`SELECT count(*) FROM user_action_audit_logs`))).toBe('42501');
  });

  const victims: string[] = Array.from({ length: 6 }, () => randomUUID());
  const victim = (i: number) => victims[i]!;
  const disableAppendOnly = `ALTER TABLE user_action_audit_logs DISABLE TRIGGER trg_user_action_audit_logs_append_only`;
  const enableAppendOnly = `ALTER TABLE user_action_audit_logs ENABLE ALWAYS TRIGGER trg_user_action_audit_logs_append_only`;
  const rehashFrom = (sequence: number) => `
    DO $$
    DECLARE r record; prev bytea;
    BEGIN
      SELECT row_hash INTO prev FROM user_action_audit_logs WHERE chain_sequence = ${sequence - 1};
      FOR r IN SELECT id FROM user_action_audit_logs WHERE chain_sequence >= ${sequence} ORDER BY chain_sequence LOOP
        UPDATE user_action_audit_logs l SET previous_hash = prev,
          row_hash = audit_log_row_hash(prev, l.tenant_id, l.id, l.chain_sequence, l.occurred_at, l.actor_user_id, l.action,
                                        l.entity_type, l.entity_id, l.details, l.request_id, l.ip_address, l.user_agent)
        WHERE l.id = r.id RETURNING row_hash INTO prev;
      END LOOP;
      UPDATE user_action_audit_log_chains SET last_hash = prev;
    END $$`;

  it('the owner tampers, without a guard to stop it: each chain consistent in itself, each caught against the checkpoint', async () => {
    // 0: an edited row, every hash after it recomputed and the head moved to match.
    await asOwnerInTenant(victim(0), [[disableAppendOnly], [`UPDATE user_action_audit_logs SET details = '{"edited": true}' WHERE chain_sequence = 3`], [rehashFrom(3)], [enableAppendOnly]]);
    // 1: rewound: the last two rows deleted and the head set back onto row 4.
    await asOwnerInTenant(victim(1), [
      [disableAppendOnly],
      [`DELETE FROM user_action_audit_logs WHERE chain_sequence > 4`],
      [`UPDATE user_action_audit_log_chains c SET last_sequence = 4, last_hash = l.row_hash FROM user_action_audit_logs l WHERE l.chain_sequence = 4`],
      [enableAppendOnly],
    ]);
    // 2: the anchor moved past the first two rows, which are then deleted ("retention").
    await asOwnerInTenant(victim(2), [
      [disableAppendOnly],
      [`UPDATE user_action_audit_log_chains c SET anchor_sequence = 2, anchor_hash = l.row_hash FROM user_action_audit_logs l WHERE l.chain_sequence = 2`],
      [`DELETE FROM user_action_audit_logs WHERE chain_sequence <= 2`],
      [enableAppendOnly],
    ]);
    // 3: the whole chain erased, head and rows.
    await asOwnerInTenant(victim(3), [[disableAppendOnly], [`DELETE FROM user_action_audit_logs`], [`DELETE FROM user_action_audit_log_chains`], [enableAppendOnly]]);
    // 4: a row deleted and the later ones renumbered and re-hashed, the head set back by one.
    await asOwnerInTenant(victim(4), [
      [disableAppendOnly],
      [`DELETE FROM user_action_audit_logs WHERE chain_sequence = 2`],
      [`UPDATE user_action_audit_logs SET chain_sequence = chain_sequence - 1 WHERE chain_sequence > 2`],
      [rehashFrom(2)],
      [`UPDATE user_action_audit_log_chains SET last_sequence = 5`],
      [enableAppendOnly],
    ]);
    // 5: left alone.

    const report = await verify();
    expect(report.intact).toBe(false);
    const byTenant = Object.fromEntries(report.chains.filter((c) => victims.includes(c.chain)).map((c) => [c.chain, brief(c.problems)]));
    expect(byTenant[victim(0)]).toEqual([{ kind: 'checkpoint', sequence: '1', lastSequence: '6' }]);
    expect(byTenant[victim(1)]).toEqual([{ kind: 'checkpoint', sequence: '5', lastSequence: '6' }]);
    expect(byTenant[victim(2)]).toEqual([{ kind: 'checkpoint', sequence: '2' }]);
    expect(byTenant[victim(3)]).toEqual([{ kind: 'checkpoint', sequence: '6' }]);
    expect(byTenant[victim(4)]).toEqual([{ kind: 'checkpoint', sequence: '6', lastSequence: '6' }]);
    expect(byTenant[victim(5)]).toEqual([]);
    const details = victims.map((v) => report.chains.find((c) => c.chain === v)!.problems.map((p) => p.detail).join(' | '));
    expect(details.slice(0, 5)).toEqual([
      expect.stringContaining('rewritten'),
      expect.stringContaining('rewound'),
      expect.stringContaining('the retention anchor was moved from 0 to 2, past row 1, recorded'),
      expect.stringContaining('erased'),
      expect.stringContaining('rewound'),
    ]);
    // Without the checkpoints, every one of them passes: that is what only a key outside shows.
    const selfOnly = await verifyAuditLogs(ownerSource.manager, { history: null, chains: victims });
    expect(selfOnly.chains.filter((c) => victims.slice(0, 3).includes(c.chain)).every((c) => c.intact)).toBe(true);

    // The next checkpoint refuses to sign any of them over; the untouched one is carried.
    const run = await checkpoint();
    expect(run.refused.map((r) => r.chain).sort()).toEqual(victims.slice(0, 5).sort());
  });

  it('the owner detaches and drops a partition: the rows it held are missing, and the checkpoint says so', async () => {
    const [{ partition }] = await db.dataSource.query(`SELECT tableoid::regclass::text AS partition FROM user_action_audit_logs WHERE tenant_id = $1 LIMIT 1`, [victim(5)]);
    await ownerSource.query(`ALTER TABLE user_action_audit_logs DETACH PARTITION ${partition}`);
    await ownerSource.query(`DROP TABLE ${partition}`);
    const report = await verify();
    const chain = report.chains.find((c) => c.chain === victim(5))!;
    expect(brief(chain.problems)).toEqual([
      { kind: 'missing', sequence: '1', lastSequence: '6' },
      { kind: 'checkpoint', sequence: '1', lastSequence: '6' },
    ]);
  });

  it('verify --all (command), connected as the owner: exit 10, every broken chain in the JSON report; an unusable key is exit 2', async () => {
    const keyFile = path.join(storeDir, '..', `${path.basename(storeDir)}.pub.pem`);
    writeFileSync(keyFile, signer.publicKeyPem);
    try {
      const result = await runProjectCli('audit-log', ['verify', '--all', '--json', '--store', storeDir, '--public-key', keyFile], { DATABASE_URL: owner.settings.url });
      expect(result).toMatchObject({ code: 7, stderr: '' });
      const report = JSON.parse(result.stdout) as { intact: boolean; chains: { chain: string; intact: boolean }[] };
      expect(report.intact).toBe(false);
      expect(report.chains.filter((c) => !c.intact).map((c) => c.chain)).toEqual(expect.arrayContaining(victims));
    } finally {
      rmSync(keyFile, { force: true });
    }
    const missing = await runProjectCli('audit-log', ['verify', '--all', '--store', storeDir, '--public-key', keyFile], { DATABASE_URL: owner.settings.url });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('trusted checkpoint keys');
  });
});
