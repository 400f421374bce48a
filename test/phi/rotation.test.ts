import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client as PgClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { withTenant } from '../../src/database/tenant-context';
import { Address, Client, Medication, PlacementRecord } from '../../src/entities';
import {
  countOldValues,
  findClientsByMedicalRecordNumber,
  openClientIdentity,
  openFields,
  rotateTenantKey,
  RotationInProgressError,
  sealClientIdentity,
  sealRecordFields,
  searchClients,
  TenantCipher,
} from '../../src/phi';
import { useAppLogin } from '../support/app-login';
import { PROJECT_ROOT } from '../support/cli';
import { compiledFile } from '../support/compiled-project';
import { makeAddress, makeClient, makeMedication, makePlacementRecord } from '../support/factories';
import { useKeyFolder } from '../support/phi';
import { createParents, createTenant, Query } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

const CLIENTS = 40;

/**
 * Key rotation: every value stays readable throughout, new writes use the new key at once, the
 * rotation survives being killed (a real child process, SIGKILL) and resumes, and it ends with
 * every value on the new key and the old one retired. Another tenant is untouched.
 */
describe('key rotation', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  const keys = useKeyFolder();
  let app: DataSource;
  let tenantA: string;
  let tenantB: string;
  const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);
  /** Every plaintext written to tenant A, by client id, to compare with what is read. */
  const written = new Map<string, { identity: Record<string, unknown>; diagnoses: string; drugName: string; line1: string }>();

  const inTenant = <T>(tenant: string, work: (manager: EntityManager, cipher: TenantCipher) => Promise<T>) =>
    withTenant(app, tenant, async (manager) => work(manager, await keys.keyring().forTransaction(manager)));

  async function addClientWithRecords(tenant: string, n: number): Promise<void> {
    await inTenant(tenant, async (manager, cipher) => {
      const id = randomUUID();
      const identity = { firstName: `Ruth${n}`, lastName: `Bader${n}`, preferredName: null, dateOfBirth: '1933-03-15', medicalRecordNumber: `RBG-${n}` };
      await manager.insert(Client, makeClient(tenant, { id, ...(await sealClientIdentity(cipher, id, identity)) }));
      const recordId = randomUUID();
      const medicationId = randomUUID();
      const addressId = randomUUID();
      const diagnoses = `Pancreatic cancer, case ${n}`;
      const drugName = `Drug ${n} 5 mg`;
      const line1 = `${n} Supreme Court Way`;
      await manager.insert(PlacementRecord, makePlacementRecord(tenant, id, { id: recordId, status: 'cancelled', ...(await sealRecordFields(cipher, 'placement_records', recordId, { diagnoses })) }));
      await manager.insert(Medication, makeMedication(tenant, id, { id: medicationId, ...(await sealRecordFields(cipher, 'medications', medicationId, { drugName, dose: '1', frequency: 'daily' })) }));
      await manager.insert(Address, makeAddress(tenant, { clientId: id }, { id: addressId, ...(await sealRecordFields(cipher, 'addresses', addressId, { line1, city: 'Washington' })) }));
      if (tenant === tenantA) written.set(id, { identity, diagnoses, drugName, line1 });
    });
  }

  /** Reads and decrypts everything of tenant A as the application; returns what it found. */
  async function readEverything(): Promise<Map<string, { identity: Record<string, unknown>; diagnoses: string; drugName: string; line1: string }>> {
    return inTenant(tenantA, async (manager, cipher) => {
      const found = new Map();
      for (const client of await manager.find(Client)) {
        const record = await manager.findOneByOrFail(PlacementRecord, { clientId: client.id });
        const medication = await manager.findOneByOrFail(Medication, { clientId: client.id });
        const address = await manager.findOneByOrFail(Address, { clientId: client.id });
        found.set(client.id, {
          identity: await openClientIdentity(cipher, client),
          diagnoses: (await openFields(cipher, 'placement_records', record)).diagnoses,
          drugName: (await openFields(cipher, 'medications', medication)).drugName,
          line1: (await openFields(cipher, 'addresses', address)).line1,
        });
      }
      return found;
    });
  }

  const keyStates = async (tenant: string) =>
    owner(`SELECT key_version AS v, state::text AS state FROM phi_data_keys WHERE subject_tenant_id = $1 ORDER BY 1`, [tenant]);
  const valuesAt = async (tenant: string, version: number): Promise<number> =>
    (await owner(`SELECT count(*)::int AS n FROM clients WHERE tenant_id = $1 AND phi_ciphertext_key_version(first_name_encrypted) = $2`, [tenant, version]))[0].n;
  const bytesOf = async (tenant: string) =>
    (await owner(`SELECT md5(string_agg(first_name_encrypted::text || medical_record_number_bidx::text, ',' ORDER BY id)) AS h FROM clients WHERE tenant_id = $1`, [tenant]))[0].h;

  beforeAll(async () => {
    tenantA = await createTenant(owner);
    tenantB = await createTenant(owner);
    await createParents(owner, tenantA);
    await createParents(owner, tenantB);
    app = await login.connect(4);
    for (let n = 0; n < CLIENTS; n++) await addClientWithRecords(tenantA, n);
    for (let n = 0; n < 3; n++) await addClientWithRecords(tenantB, 1000 + n);
  });

  it('re-encrypts in batches while every value stays readable, takes new writes on the new key, and ends on it', async () => {
    const bBefore = await bytesOf(tenantB);
    const checks: { batch: number; readable: boolean; onBothVersions: boolean }[] = [];
    const report = await rotateTenantKey(db.dataSource, keys.keyring(), tenantA, {
      batchSize: 7,
      onProgress: async (progress) => {
        if (progress.table !== 'clients') return;
        // Between two batches: old and new versions side by side, all readable by the application.
        const read = await readEverything();
        checks.push({ batch: checks.length, readable: JSON.stringify([...read].sort()) === JSON.stringify([...written].sort()), onBothVersions: (await valuesAt(tenantA, 1)) > 0 && (await valuesAt(tenantA, 2)) > 0 });
        // The application writes meanwhile: the new key at once; lookups find old and new rows.
        if (checks.length === 1) {
          await addClientWithRecords(tenantA, 999);
          const found = await inTenant(tenantA, async (manager, cipher) => ({
            fresh: (await findClientsByMedicalRecordNumber(manager, cipher, 'RBG-999')).length,
            old: (await findClientsByMedicalRecordNumber(manager, cipher, `RBG-${CLIENTS - 1}`)).length,
          }));
          expect(found).toEqual({ fresh: 1, old: 1 });
        }
      },
    });
    expect(checks.length).toBeGreaterThanOrEqual(Math.ceil(CLIENTS / 7));
    expect(checks.every((check) => check.readable)).toBe(true);
    expect(checks[0]!.onBothVersions).toBe(true);
    expect(report).toMatchObject({ toVersion: 2, resumed: false, completed: true, retiredVersions: [1] });
    // Per client: 4 identity values (no preferred name), 1 placement field, 3 medication fields, 2 address fields.
    expect(report.reencrypted).toBe(CLIENTS * 10);
    expect(await keyStates(tenantA)).toEqual([{ v: 1, state: 'retired' }, { v: 2, state: 'active' }]);
    expect(await countOldValues(db.dataSource, tenantA, 2)).toBe(0);
    expect(await readEverything()).toEqual(written);
    // Blind indexes and name tokens moved with the key.
    expect(
      await inTenant(tenantA, async (manager, cipher) => ({
        mrn: (await findClientsByMedicalRecordNumber(manager, cipher, 'RBG-3')).length,
        search: (await searchClients(manager, cipher, 'Bader3 Ruth3')).map((hit) => hit.fullName)[0],
      })),
    ).toEqual({ mrn: 1, search: 'Ruth3 Bader3' });
    expect(await bytesOf(tenantB)).toBe(bBefore);
    expect(await keyStates(tenantB)).toEqual([{ v: 1, state: 'active' }]);
    expect(keys.events.map((event) => event.kind)).toEqual(expect.arrayContaining(['rotation_started', 'rotation_completed']));
  });

  it('refuses a second rotation of the same tenant while one runs', async () => {
    const holder = new PgClient({ connectionString: db.settings.url });
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [`foundation-db:phi-rotation:${tenantA}`]);
      await expect(rotateTenantKey(db.dataSource, keys.keyring(), tenantA)).rejects.toBeInstanceOf(RotationInProgressError);
      expect(await keyStates(tenantA)).toEqual([{ v: 1, state: 'retired' }, { v: 2, state: 'active' }]);
    } finally {
      await holder.end();
    }
  });

  describe('killed midway (SIGKILL of the command) and resumed', () => {
    const rotate = (): ChildProcess =>
      spawn(process.execPath, [compiledFile('src/cli/phi-keys.ts'), 'rotate', '--tenant', tenantA, '--batch-size', '2', '--pause', '150'], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, DATABASE_URL: db.settings.url, FOUNDATION_PHI_KEY_DIR: keys.path },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const finished = (child: ChildProcess) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => {
        let output = '';
        child.stdout!.on('data', (chunk) => (output += chunk));
        child.stderr!.on('data', (chunk) => (output += chunk));
        child.on('exit', (code, signal) => resolve({ code, signal, output }));
      });

    it('leaves every value readable, resumes without a new key, and ends on the new key', async () => {
      const total = CLIENTS + 1;
      const child = rotate();
      const exit = finished(child);
      // Wait until the command has moved some, not all, of the clients to version 3.
      const deadline = Date.now() + 60_000;
      while ((await valuesAt(tenantA, 3)) < 4) {
        if (Date.now() > deadline) throw new Error(`the rotation made no progress: ${(await Promise.race([exit, sleep(1, { output: '' })])).output}`);
        await sleep(50);
      }
      child.kill('SIGKILL');
      const killed = await exit;
      expect(killed.signal).toBe('SIGKILL');

      const [moved, left] = [await valuesAt(tenantA, 3), await valuesAt(tenantA, 2)];
      expect(moved).toBeGreaterThan(0);
      expect(left).toBeGreaterThan(0);
      expect(moved + left).toBe(total);
      expect(await keyStates(tenantA)).toEqual([
        { v: 1, state: 'retired' },
        { v: 2, state: 'retiring' },
        { v: 3, state: 'active' },
      ]);
      expect(await readEverything()).toEqual(written);

      const resumed = await finished(rotate());
      expect(resumed).toMatchObject({ code: 0 });
      expect(resumed.output).toContain('key event: rotation_resumed');
      expect(resumed.output).toContain('resumed, now on key v3');
      expect(await keyStates(tenantA)).toEqual([
        { v: 1, state: 'retired' },
        { v: 2, state: 'retired' },
        { v: 3, state: 'active' },
      ]);
      expect(await valuesAt(tenantA, 3)).toBe(total);
      expect(await countOldValues(db.dataSource, tenantA, 3)).toBe(0);
      expect(await readEverything()).toEqual(written);
    }, 120_000);
  });
});
