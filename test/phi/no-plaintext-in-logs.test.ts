import { randomUUID } from 'node:crypto';
import { AbstractLogger, DataSource, LogLevel, LogMessage } from 'typeorm';
import { dataSourceFor } from '../../src/database/data-sources';
import { withTenant } from '../../src/database/tenant-context';
import { Client, PlacementRecord } from '../../src/entities';
import {
  findClientsByDateOfBirth,
  findClientsByMedicalRecordNumber,
  openClientIdentity,
  sealClientIdentity,
  sealRecordFields,
  searchClients,
} from '../../src/phi';
import { useAppLogin } from '../support/app-login';
import { makeClient, makePlacementRecord } from '../support/factories';
import { useKeyFolder } from '../support/phi';
import { createParents, createTenant, Query } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

const IDENTITY = { firstName: 'Florence', lastName: 'Nightingdale', preferredName: 'Flo', dateOfBirth: '1920-05-12', medicalRecordNumber: 'FN-1820' };
const DIAGNOSIS = 'Brucellosis, chronic';
const PLAINTEXTS = [...Object.values(IDENTITY), DIAGNOSIS];

/** Everything TypeORM would log: every query with its parameters, errors, slow queries, schema messages. */
class CapturingLogger extends AbstractLogger {
  readonly lines: string[] = [];
  protected writeLog(_level: LogLevel, message: LogMessage | LogMessage[]): void {
    for (const entry of Array.isArray(message) ? message : [message]) {
      this.lines.push(`${String(entry.message)} ${JSON.stringify(entry.parameters ?? [], (_key, value) => (value?.type === 'Buffer' ? Buffer.from(value.data).toString('latin1') : value))}`);
    }
  }
}

/**
 * With TypeORM's query logging fully on, no PHI plaintext reaches the log: the parameters are
 * ciphertexts, blind indexes and tokens. Nor does it reach an error, from the database or from
 * the PHI module.
 */
describe('no plaintext in query logs or errors', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  const keys = useKeyFolder();
  const logger = new CapturingLogger('all');
  let app: DataSource;
  let tenant: string;
  const errors: string[] = [];

  beforeAll(async () => {
    const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);
    tenant = await createTenant(owner);
    await createParents(owner, tenant);
    app = dataSourceFor(login.settings, { logging: 'all', logger });
    await app.initialize();
  });

  afterAll(async () => {
    await app?.destroy();
  });

  const leaks = (text: string) => PLAINTEXTS.filter((value) => text.includes(value));
  const capture = async (work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      const { message, detail, driverError } = error as { message: string; detail?: string; driverError?: { detail?: string } };
      errors.push(`${message} ${detail ?? ''} ${driverError?.detail ?? ''} ${JSON.stringify(error)}`);
    }
  };

  it('writes, reads, looks up and searches PHI with every query logged: no plaintext in the log', async () => {
    const id = randomUUID();
    const recordId = randomUUID();
    const read = await withTenant(app, tenant, async (manager) => {
      const cipher = await keys.keyring().forTransaction(manager);
      await manager.insert(Client, makeClient(tenant, { id, ...(await sealClientIdentity(cipher, id, IDENTITY)) }));
      await manager.insert(PlacementRecord, makePlacementRecord(tenant, id, { id: recordId, ...(await sealRecordFields(cipher, 'placement_records', recordId, { diagnoses: DIAGNOSIS })) }));
      await findClientsByMedicalRecordNumber(manager, cipher, IDENTITY.medicalRecordNumber);
      await findClientsByDateOfBirth(manager, cipher, IDENTITY.dateOfBirth);
      await searchClients(manager, cipher, `${IDENTITY.firstName} ${IDENTITY.lastName}`);
      return openClientIdentity(cipher, await manager.findOneByOrFail(Client, { id }));
    });
    expect(read).toEqual(IDENTITY);
    expect(logger.lines.length).toBeGreaterThan(10);
    expect(logger.lines.some((line) => line.includes('INSERT INTO "clients"'))).toBe(true);
    expect(leaks(logger.lines.join('\n'))).toEqual([]);
  });

  it('errors carry no plaintext: a duplicate record number, an invalid value, a moved ciphertext', async () => {
    await capture(() =>
      withTenant(app, tenant, async (manager) => {
        const cipher = await keys.keyring().forTransaction(manager);
        const id = randomUUID();
        await manager.insert(Client, makeClient(tenant, { id, ...(await sealClientIdentity(cipher, id, IDENTITY)) }));
      }),
    );
    await capture(() =>
      withTenant(app, tenant, async (manager) =>
        sealClientIdentity(await keys.keyring().forTransaction(manager), randomUUID(), { ...IDENTITY, dateOfBirth: `${IDENTITY.dateOfBirth}x` }),
      ),
    );
    await capture(() =>
      withTenant(app, tenant, async (manager) => {
        const cipher = await keys.keyring().forTransaction(manager);
        const [client] = await findClientsByMedicalRecordNumber(manager, cipher, IDENTITY.medicalRecordNumber);
        return openClientIdentity(cipher, { ...client!, firstNameEncrypted: client!.lastNameEncrypted });
      }),
    );
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain('uq_clients_tenant_id_medical_record_number_bidx');
    expect(errors[1]).toContain('client.dateOfBirth');
    expect(errors[2]).toContain('Cannot decrypt clients.first_name');
    expect(leaks(errors.join('\n'))).toEqual([]);
    expect(leaks(logger.lines.join('\n'))).toEqual([]);
  });
});
