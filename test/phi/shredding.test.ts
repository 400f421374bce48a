import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DataSource, EntityManager } from 'typeorm';
import { recordAuditEvent, verifyAuditChain } from '../../src/audit';
import { ConnectionSettings } from '../../src/database/connection-settings';
import { foundationDataSourceFor } from '../../src/database/data-sources';
import { FoundationDataSource } from '../../src/database/foundation-data-source';
import { withTenant } from '../../src/database/tenant-context';
import { Client, PlacementRecord } from '../../src/entities';
import {
  inTenantAsOwner,
  openClientIdentity,
  openFields,
  PhiKeyring,
  PhiKeyUnavailableError,
  rotateTenantKey,
  sealClientIdentity,
  sealRecordFields,
} from '../../src/phi';
import { useAppLogin } from '../support/app-login';
import { runProjectCli } from '../support/cli';
import { createDatabase, dropDatabase, migratedTemplateName, testAdminSettings, uniqueDatabaseName } from '../support/databases';
import { makeClient, makePlacementRecord } from '../support/factories';
import { useKeyFolder } from '../support/phi';
import { findPgTool, serverMajor } from '../support/pg-tools';
import { createParents, createTenant, Query } from '../support/tenant-data';
import { TestDatabase } from '../support/test-database';

const run = promisify(execFile);

const IDENTITY = { firstName: 'Henrietta', lastName: 'Lackston', dateOfBirth: '1920-08-01', medicalRecordNumber: 'HL-1951' };

/**
 * Tenant offboarding by crypto-shredding: after `phi:keys shred`, the tenant's PHI cannot be
 * read in the live database, nor in a backup taken before the shredding and restored after it,
 * while the other tenant's PHI still can, in both, and both tenants' audit chains stay intact.
 */
describe('crypto-shredding a tenant', () => {
  const keys = useKeyFolder();
  const admin = () => testAdminSettings();
  const created: string[] = [];
  let live: { name: string; settings: ConnectionSettings; dataSource: FoundationDataSource } | undefined;
  const db: TestDatabase = {
    get name() {
      return live!.name;
    },
    get settings() {
      return live!.settings;
    },
    get dataSource() {
      return live!.dataSource;
    },
  };
  let app: DataSource;
  let tenantA: string;
  let tenantB: string;
  const ids: Record<string, string> = {};

  const connect = async (settings: ConnectionSettings) => {
    const dataSource = foundationDataSourceFor(settings);
    await dataSource.initialize();
    return dataSource;
  };

  beforeAll(async () => {
    const name = uniqueDatabaseName('shred');
    created.push(name);
    const settings = await createDatabase(admin(), name, migratedTemplateName());
    live = { name, settings, dataSource: await connect(settings) };
  });

  afterAll(async () => {
    if (live?.dataSource.isInitialized) await live.dataSource.destroy();
    for (const name of created) await dropDatabase(admin(), name);
  });

  // After the database's hooks, as useAppLogin expects (its beforeAll needs the database).
  const login = useAppLogin(db);

  beforeAll(async () => {
    const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);
    tenantA = await createTenant(owner);
    tenantB = await createTenant(owner);
    await createParents(owner, tenantA);
    await createParents(owner, tenantB);
    app = await login.connect(2);
    for (const tenant of [tenantA, tenantB]) {
      await withTenant(app, tenant, async (manager) => {
        const cipher = await keys.keyring().forTransaction(manager);
        const clientId = randomUUID();
        const recordId = randomUUID();
        await manager.insert(Client, makeClient(tenant, { id: clientId, ...(await sealClientIdentity(cipher, clientId, IDENTITY)) }));
        await manager.insert(PlacementRecord, makePlacementRecord(tenant, clientId, { id: recordId, ...(await sealRecordFields(cipher, 'placement_records', recordId, { diagnoses: 'Cervical cancer' })) }));
        await recordAuditEvent(manager, { tenantId: tenant, action: 'create', entityType: 'client', entityId: clientId, details: { fields: ['identity'] } });
        ids[`client:${tenant}`] = clientId;
        ids[`record:${tenant}`] = recordId;
      });
    }
  });

  /** What the key store's owner can read of a tenant's PHI, on a database, with a fresh keyring. */
  async function readAsOwner(dataSource: DataSource, tenant: string): Promise<unknown> {
    return inTenantAsOwner(dataSource, tenant, async (manager: EntityManager) => {
      const cipher = await keys.keyring().forTenantAsOwner((sql, parameters) => manager.query(sql, parameters), tenant, { createIfMissing: false });
      const client = await manager.findOneByOrFail(Client, { id: ids[`client:${tenant}`] });
      const record = await manager.findOneByOrFail(PlacementRecord, { id: ids[`record:${tenant}`] });
      return { identity: await openClientIdentity(cipher, client), diagnoses: (await openFields(cipher, 'placement_records', record)).diagnoses };
    });
  }
  const readable = { identity: { ...IDENTITY, preferredName: null }, diagnoses: 'Cervical cancer' };

  /**
   * A backup of the live database as it is now: pg_dump (custom format) of the server's major
   * when this machine has it, restored later with pg_restore; otherwise a file-level copy
   * (CREATE DATABASE ... TEMPLATE), which needs the live database's connections closed meanwhile.
   */
  async function takeBackup(): Promise<{ method: string; restore: () => Promise<ConnectionSettings> }> {
    const major = await serverMajor(db.dataSource);
    const [pgDump, pgRestore] = [await findPgTool('pg_dump', major), await findPgTool('pg_restore', major)];
    const restoredName = uniqueDatabaseName('restored');
    created.push(restoredName);
    if (pgDump && pgRestore) {
      const folder = mkdtempSync(path.join(os.tmpdir(), 'foundation-backup-'));
      const file = path.join(folder, 'live.dump');
      await run(pgDump, ['--format=custom', `--file=${file}`, `--dbname=${db.settings.url}`]);
      return {
        method: 'pg_dump / pg_restore',
        restore: async () => {
          const settings = await createDatabase(admin(), restoredName);
          await run(pgRestore, ['--exit-on-error', '--single-transaction', `--dbname=${settings.url}`, file]);
          rmSync(folder, { recursive: true, force: true });
          return settings;
        },
      };
    }
    const copyName = uniqueDatabaseName('backup');
    created.push(copyName);
    await live!.dataSource.destroy();
    await app.destroy();
    await createDatabase(admin(), copyName, live!.name);
    live!.dataSource = await connect(live!.settings);
    app = await login.connect(2);
    return { method: 'CREATE DATABASE ... TEMPLATE (a file-level copy)', restore: () => createDatabase(admin(), restoredName, copyName) };
  }

  it('destroys what unwraps the tenant\'s keys, so neither the live database nor a restored backup can read its PHI; the other tenant stays readable', async () => {
    expect(await readAsOwner(db.dataSource, tenantA)).toEqual(readable);
    const backup = await takeBackup();

    const shred = await runProjectCli('phi-keys', ['shred', '--tenant', tenantA, '--confirm', tenantA], {
      DATABASE_URL: db.settings.url,
      FOUNDATION_PHI_KEY_DIR: keys.path,
    });
    expect(shred).toMatchObject({ code: 0 });
    expect(shred.stderr).toContain(`tenant ${tenantA}: key-encryption key local:${tenantA} destroyed; data key version(s) v1 erased`);
    expect(existsSync(path.join(keys.path, `${tenantA}.kek`))).toBe(false);
    expect(existsSync(path.join(keys.path, `${tenantB}.kek`))).toBe(true);
    // Recorded in the system audit log, where no tenant reads: what was destroyed, for whom, by which command.
    const recorded = await db.dataSource.query(
      `SELECT event_type, subject_tenant_id, object_name, actor, details FROM system_audit_log WHERE stream = 'keys' AND subject_tenant_id = $1`,
      [tenantA],
    );
    expect(recorded).toEqual([
      { event_type: 'key.shred', subject_tenant_id: tenantA, object_name: `local:${tenantA}`, actor: 'phi:keys shred', details: { destroyedVersions: [1] } },
    ]);

    // Live database: the tenant's key rows are erased, and its PHI unreadable by anyone.
    expect(await db.dataSource.query(`SELECT state::text AS state, wrapped_key FROM phi_data_keys WHERE subject_tenant_id = $1`, [tenantA])).toEqual([
      { state: 'destroyed', wrapped_key: null },
    ]);
    await expect(readAsOwner(db.dataSource, tenantA)).rejects.toThrow(PhiKeyUnavailableError);
    await expect(withTenant(app, tenantA, (manager) => keys.keyring().forTransaction(manager))).rejects.toThrow(/destroyed \(crypto-shredded\)/);
    expect(await readAsOwner(db.dataSource, tenantB)).toEqual(readable);

    // The backup taken before: it still holds the wrapped key, but nothing can unwrap it.
    const restored = await connect(await backup.restore());
    try {
      expect({ method: backup.method, keys: await restored.query(`SELECT state::text AS state, wrapped_key IS NOT NULL AS wrapped FROM phi_data_keys WHERE subject_tenant_id = $1`, [tenantA]) }).toEqual({
        method: backup.method,
        keys: [{ state: 'active', wrapped: true }],
      });
      await expect(readAsOwner(restored, tenantA)).rejects.toThrow(/cannot be unwrapped.*does not exist/);
      expect(await readAsOwner(restored, tenantB)).toEqual(readable);
    } finally {
      await restored.destroy();
    }
  });

  it('leaves both audit chains intact, and the shredded tenant can get no new key', async () => {
    for (const tenant of [tenantA, tenantB]) expect(await verifyAuditChain(db.dataSource.manager, tenant)).toMatchObject({ intact: true, problems: [] });
    const fresh = new PhiKeyring({ kek: keys.keyring().kek });
    await expect(withTenant(app, tenantA, (manager) => fresh.forTransaction(manager))).rejects.toThrow(PhiKeyUnavailableError);
    await expect(fresh.kek.tenantKekId(tenantA)).rejects.toThrow(/never recreated/);
    await expect(rotateTenantKey(db.dataSource, fresh, tenantA)).rejects.toThrow(/crypto-shredded/);
  });

  it('is idempotent: shredding again succeeds and destroys nothing more', async () => {
    const again = await runProjectCli('phi-keys', ['shred', '--tenant', tenantA, '--confirm', tenantA], { DATABASE_URL: db.settings.url, FOUNDATION_PHI_KEY_DIR: keys.path });
    expect(again).toMatchObject({ code: 0 });
    expect(again.stderr).toContain('(already destroyed)');
    const mismatch = await runProjectCli('phi-keys', ['shred', '--tenant', tenantB, '--confirm', tenantA], { DATABASE_URL: db.settings.url, FOUNDATION_PHI_KEY_DIR: keys.path });
    expect(mismatch.code).toBe(64);
    expect(mismatch.stderr).toContain('--confirm must repeat the --tenant id exactly');
    expect(await readAsOwner(db.dataSource, tenantB)).toEqual(readable);
  });
});
