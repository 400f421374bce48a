import { DataSource } from 'typeorm';
import { withTenant } from '../../src/database/tenant-context';
import { Client } from '../../src/entities';
import { backfillClientIdentity, findClientsByMedicalRecordNumber, openClientIdentity, searchClients } from '../../src/phi';
import { readSafetySettings } from '../../src/database/migration-safety/settings';
import { revertMigrationsSafely } from '../../src/database/migration-safety/revert-migrations';
import { AddEncryptedClientColumns1754250049000 } from '../../src/migrations/1754250049000-AddEncryptedClientColumns';
import { useAppLogin } from '../support/app-login';
import { runProjectCli, runTypeormCli } from '../support/cli';
import { useKeyFolder } from '../support/phi';
import { createParents, createTenant, Query } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

const CONTRACT = 'DropPlaintextClientColumns1754250084000';
/** The migration before the contract: the suite starts from there (expand done, plaintext still in place). */
const BEFORE_CONTRACT = 'GuardSharedCiamIssuers1754250083000';
const CLIENTS = 9;

const plaintextOf = (n: number) => ({
  first_name: `Rosalind${n}`,
  last_name: `Franklin${n}`,
  preferred_name: n % 3 === 0 ? `Rosy${n}` : null,
  date_of_birth: `1920-07-${String(10 + n).padStart(2, '0')}`,
  medical_record_number: `RF-${n}`,
});

/**
 * Moving existing clients' identity into ciphertexts without losing anything: on a database in
 * the expand step (every migration but the contract) holding plaintext clients, the contract
 * migration refuses and names the command; `phi:backfill` encrypts in batches (resumable); the
 * contract then applies and the data reads back. And the way back: revert the contract,
 * `phi:backfill --decrypt`, revert the expand step, and the plaintext is exactly as it was.
 */
describe('moving the clients\' identity into ciphertexts (expand, backfill, contract) and back', () => {
  const db = useTestDatabase('migrated');
  const login = useAppLogin(db);
  const keys = useKeyFolder();
  let app: DataSource;
  let tenants: string[];
  const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);
  const env = () => ({ DATABASE_URL: db.settings.url, FOUNDATION_PHI_KEY_DIR: keys.path });
  const plaintextRows = () =>
    owner(
      `SELECT tenant_id, first_name, last_name, preferred_name, to_char(date_of_birth, 'YYYY-MM-DD') AS date_of_birth, medical_record_number
       FROM clients ORDER BY medical_record_number, tenant_id`,
    );
  let original: unknown[];
  /** Reverts every migration after `name` (the contract and whatever landed after it), safely. */
  const revertTo = async (name: string) => {
    const report = await revertMigrationsSafely(db.dataSource, { to: name }, readSafetySettings(), () => undefined);
    expect(report.failed).toBeUndefined();
    const [{ applied }] = await owner(`SELECT name AS applied FROM schema_migrations ORDER BY id DESC LIMIT 1`);
    expect(applied).toBe(name);
  };

  beforeAll(async () => {
    await revertTo(BEFORE_CONTRACT);
    tenants = [await createTenant(owner), await createTenant(owner)];
    for (const tenant of tenants) {
      await createParents(owner, tenant);
      for (let n = 0; n < CLIENTS; n++) {
        const p = plaintextOf(n);
        await owner(
          `INSERT INTO clients (tenant_id, first_name, last_name, preferred_name, date_of_birth, medical_record_number) VALUES ($1, $2, $3, $4, $5, $6)`,
          [tenant, p.first_name, p.last_name, p.preferred_name, p.date_of_birth, p.medical_record_number],
        );
      }
    }
    original = await plaintextRows();
    app = await login.connect(2);
  });

  it('the contract migration refuses while plaintext remains, names the command, and changes nothing', async () => {
    const result = await runTypeormCli(['migration:run'], env());
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain(`${CONTRACT}: ${CLIENTS * 2} client(s) still hold plaintext identity not yet moved into ciphertexts; run npm run phi:backfill`);
    expect(await plaintextRows()).toEqual(original);
  });

  it('phi:backfill encrypts in batches, resumes after an interruption, and clears the plaintext', async () => {
    const controller = new AbortController();
    const partial = await backfillClientIdentity(db.dataSource, keys.keyring(), {
      batchSize: 4,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    expect(partial.completed).toBe(false);
    expect(Object.values(partial.moved).reduce((a, b) => a + b, 0)).toBe(4);

    const result = await runProjectCli('phi-backfill', ['--batch-size', '3'], env());
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('phi:backfill: done');
    const [{ left, moved }] = await owner(
      `SELECT count(*) FILTER (WHERE first_name IS NOT NULL OR medical_record_number IS NOT NULL)::int AS left,
              count(*) FILTER (WHERE first_name_encrypted IS NOT NULL AND medical_record_number_bidx IS NOT NULL)::int AS moved FROM clients`,
    );
    expect({ left, moved }).toEqual({ left: 0, moved: CLIENTS * 2 });
  });

  it('then the contract migration applies, and the application reads, looks up and searches the moved data', async () => {
    const result = await runTypeormCli(['migration:run'], env());
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain(`Migration ${CONTRACT} has been executed successfully`);
    const read = await withTenant(app, tenants[0]!, async (manager) => {
      const cipher = await keys.keyring().forTransaction(manager, { createIfMissing: false });
      const identities = await Promise.all((await manager.find(Client)).map((client) => openClientIdentity(cipher, client)));
      return {
        identities: identities.sort((a, b) => a.medicalRecordNumber.localeCompare(b.medicalRecordNumber)),
        lookup: (await findClientsByMedicalRecordNumber(manager, cipher, 'RF-4')).length,
        search: (await searchClients(manager, cipher, 'Franklin4 Rosalind4')).map((hit) => hit.fullName)[0],
      };
    });
    const expected = Array.from({ length: CLIENTS }, (_, n) => plaintextOf(n))
      .map((p) => ({ firstName: p.first_name, lastName: p.last_name, preferredName: p.preferred_name, dateOfBirth: p.date_of_birth, medicalRecordNumber: p.medical_record_number }))
      .sort((a, b) => a.medicalRecordNumber.localeCompare(b.medicalRecordNumber));
    expect(read).toEqual({ identities: expected, lookup: 1, search: 'Rosalind4 Franklin4' });
    expect((await runProjectCli('phi-backfill', [], env())).stdout).toContain('nothing to do: the plaintext columns are already dropped');
  });

  it('and back: revert the contract, phi:backfill --decrypt, revert the expand step, and the plaintext is exactly as before', async () => {
    await revertTo(BEFORE_CONTRACT);
    // The expand step's down refuses while identities exist only encrypted (run here directly, in
    // a transaction rolled back: the migrations between it and the contract stay applied, so the
    // tenant context phi:backfill needs is still there).
    const runner = db.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      await expect(new AddEncryptedClientColumns1754250049000().down(runner)).rejects.toThrow(
        /hold their identity only encrypted; run npm run phi:backfill -- --decrypt/,
      );
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    const decrypted = await runProjectCli('phi-backfill', ['--decrypt'], env());
    expect(decrypted).toMatchObject({ code: 0 });
    // The revert guard would refuse (the key table and the ciphertext columns hold values): the
    // plaintext is back, so dropping them loses nothing, and this test says so explicitly.
    const report = await revertMigrationsSafely(
      db.dataSource,
      { to: 'CreateFormFieldContributors1754250048000', allowDataLoss: true },
      readSafetySettings(),
      () => undefined,
    );
    expect(report.failed).toBeUndefined();
    expect(report.reverted.at(-1)).toBe('AddEncryptedClientColumns1754250049000');
    const [{ applied }] = await owner(`SELECT name AS applied FROM schema_migrations ORDER BY id DESC LIMIT 1`);
    expect(applied).toBe('CreateFormFieldContributors1754250048000');
    expect(await plaintextRows()).toEqual(original);
  });
});
