import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { withTenant } from '../../src/database/tenant-context';
import { Address, Client, Medication, PlacementRecord } from '../../src/entities';
import {
  ClientIdentityValues,
  openClientIdentity,
  openFields,
  PhiDecryptionError,
  PhiInputError,
  sealClientIdentity,
  sealRecordFields,
  TenantCipher,
} from '../../src/phi';
import { useAppLogin } from '../support/app-login';
import { makeAddress, makeClient, makeMedication, makePlacementRecord } from '../support/factories';
import { useKeyFolder } from '../support/phi';
import { sqlstateOf } from '../support/rule-check';
import { createParents, createTenant, Query } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

const GRACE: ClientIdentityValues = {
  firstName: 'Grace',
  lastName: 'Hopperfield',
  preferredName: 'Amazing Grace',
  dateOfBirth: '1936-12-09',
  medicalRecordNumber: 'MRN-GH-0042',
};
const ALAN: ClientIdentityValues = { firstName: 'Alan', lastName: 'Turingham', dateOfBirth: '1942-06-23', medicalRecordNumber: 'MRN-AT-0007' };

/** Every plaintext of this file, to check that no error message carries one. */
const PLAINTEXTS = [...Object.values(GRACE), ...Object.values(ALAN), 'Vascular dementia', 'Needs a hoist'].filter(
  (value): value is string => typeof value === 'string',
);

describe('field encryption as the application uses it', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  const keys = useKeyFolder();
  let app: DataSource;
  let tenantA: string;
  let tenantB: string;
  const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);

  beforeAll(async () => {
    tenantA = await createTenant(owner);
    tenantB = await createTenant(owner);
    await createParents(owner, tenantA);
    await createParents(owner, tenantB);
    app = await login.connect(4);
  });

  const keyring = () => keys.keyring();
  const inTenant = <T>(tenant: string, work: (manager: EntityManager, cipher: TenantCipher) => Promise<T>, ring = keyring()) =>
    withTenant(app, tenant, async (manager) => work(manager, await ring.forTransaction(manager)));

  async function addClient(tenant: string, identity: ClientIdentityValues, id: string = randomUUID()): Promise<string> {
    await inTenant(tenant, async (manager, cipher) => {
      await manager.insert(Client, makeClient(tenant, { id, ...(await sealClientIdentity(cipher, id, identity)) }));
    });
    return id;
  }
  const readIdentity = (tenant: string, id: string) =>
    inTenant(tenant, async (manager, cipher) => openClientIdentity(cipher, await manager.findOneByOrFail(Client, { id })));
  const failureOf = async (work: () => Promise<unknown>): Promise<Error> => {
    try {
      await work();
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected a failure');
  };
  const mentionsPlaintext = (message: string) => PLAINTEXTS.filter((value) => message.includes(value));

  it("generates the tenant's data key on first use, wrapped by a key-encryption key on disk, never in the database", async () => {
    const ring = keyring();
    const before = await owner(`SELECT count(*)::int AS n FROM phi_data_keys WHERE subject_tenant_id = $1`, [tenantA]);
    expect(before).toEqual([{ n: 0 }]);
    await inTenant(tenantA, async () => undefined, ring);
    await inTenant(tenantA, async () => undefined, ring);
    const rows = await owner(
      `SELECT key_version, state::text AS state, kek_id, octet_length(wrapped_key) > 32 AS wrapped FROM phi_data_keys WHERE subject_tenant_id = $1`,
      [tenantA],
    );
    expect(rows).toEqual([{ key_version: 1, state: 'active', kek_id: `local:${tenantA}`, wrapped: true }]);
    const file = path.join(keys.path, `${tenantA}.kek`);
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(keys.path).mode & 0o777).toString(8)).toBe('700');
    expect(keys.events.filter((event) => event.kind === 'data_key_created' && event.tenantId === tenantA)).toHaveLength(1);
  });

  it('two first uses at once end with one key, which both can use', async () => {
    const tenant = await createTenant(owner);
    await createParents(owner, tenant);
    const [first, second] = await Promise.all([addClient(tenant, GRACE), addClient(tenant, ALAN)]);
    expect(await owner(`SELECT count(*)::int AS n FROM phi_data_keys WHERE subject_tenant_id = $1`, [tenant])).toEqual([{ n: 1 }]);
    expect(await readIdentity(tenant, first)).toEqual(GRACE);
    expect(await readIdentity(tenant, second)).toEqual({ ...ALAN, preferredName: null });
  });

  it('round-trips a client identity, a placement record, a medication and an address', async () => {
    const clientId = await addClient(tenantA, GRACE);
    expect(await readIdentity(tenantA, clientId)).toEqual(GRACE);

    const opened = await inTenant(tenantA, async (manager, cipher) => {
      const recordId = randomUUID();
      const medicationId = randomUUID();
      const addressId = randomUUID();
      await manager.insert(PlacementRecord, makePlacementRecord(tenantA, clientId, {
        id: recordId,
        ...(await sealRecordFields(cipher, 'placement_records', recordId, { diagnoses: 'Vascular dementia', careNeeds: 'Needs a hoist', preferences: null })),
      }));
      await manager.insert(Medication, makeMedication(tenantA, clientId, {
        id: medicationId,
        ...(await sealRecordFields(cipher, 'medications', medicationId, { drugName: 'Memantine 10 mg', dose: '1 tablet', frequency: 'Twice daily' })),
      }));
      await manager.insert(Address, makeAddress(tenantA, { clientId }, {
        id: addressId,
        ...(await sealRecordFields(cipher, 'addresses', addressId, { line1: '9 Harbour Lane', city: 'Arlington', postalCode: '22201' })),
      }));
      return {
        record: await openFields(cipher, 'placement_records', await manager.findOneByOrFail(PlacementRecord, { id: recordId })),
        medication: await openFields(cipher, 'medications', await manager.findOneByOrFail(Medication, { id: medicationId })),
        address: await openFields(cipher, 'addresses', await manager.findOneByOrFail(Address, { id: addressId })),
      };
    });
    expect(opened).toEqual({
      record: { diagnoses: 'Vascular dementia', careNeeds: 'Needs a hoist', preferences: null, fundingDetails: null },
      medication: { drugName: 'Memantine 10 mg', dose: '1 tablet', frequency: 'Twice daily', instructions: null, prescriberName: null },
      address: { line1: '9 Harbour Lane', line2: null, city: 'Arlington', postalCode: '22201' },
    });
  });

  it('encrypts the same value differently every time, and never stores it in clear', async () => {
    const [first, second] = [await addClient(tenantA, { ...ALAN, medicalRecordNumber: 'MRN-X1' }), await addClient(tenantA, { ...ALAN, medicalRecordNumber: 'MRN-X2' })];
    const [a, b] = await owner(
      `SELECT first_name_encrypted AS name FROM clients WHERE tenant_id = $1 AND id = ANY ($2) ORDER BY id = $3 DESC`,
      [tenantA, [first, second], first],
    );
    expect(Buffer.compare(a.name, b.name)).not.toBe(0);
    expect(a.name.toString('latin1')).not.toContain('Alan');
  });

  describe('a ciphertext moved elsewhere fails to decrypt, with an error that names the field and holds no plaintext', () => {
    let grace: string;
    let alan: string;

    beforeAll(async () => {
      grace = await addClient(tenantA, { ...GRACE, medicalRecordNumber: 'MRN-SWAP-1' });
      alan = await addClient(tenantA, { ...ALAN, medicalRecordNumber: 'MRN-SWAP-2' });
    });

    const expectFailure = async (tenant: string, id: string, field: string) => {
      const error = await failureOf(() => readIdentity(tenant, id));
      expect(error).toBeInstanceOf(PhiDecryptionError);
      expect(error.message).toContain(`Cannot decrypt ${field} of row ${id}`);
      expect(error.message).toContain('authentication failed');
      expect(mentionsPlaintext(error.message)).toEqual([]);
    };

    it('between rows', async () => {
      await owner(
        `UPDATE clients SET last_name_encrypted = (SELECT last_name_encrypted FROM clients WHERE tenant_id = $1 AND id = $2)
         WHERE tenant_id = $1 AND id = $3`,
        [tenantA, grace, alan],
      );
      await expectFailure(tenantA, alan, 'clients.last_name');
    });

    it('between columns of one row', async () => {
      await owner(`UPDATE clients SET first_name_encrypted = preferred_name_encrypted WHERE tenant_id = $1 AND id = $2`, [tenantA, grace]);
      await expectFailure(tenantA, grace, 'clients.first_name');
    });

    it('between tenants, even onto a row with the same id', async () => {
      const victim = await addClient(tenantA, { ...GRACE, medicalRecordNumber: 'MRN-SWAP-3' });
      const twin = await addClient(tenantB, { ...ALAN, medicalRecordNumber: 'MRN-SWAP-3' }, victim);
      // Superuser: the one role that could copy across tenants.
      await owner(
        `UPDATE clients SET date_of_birth_encrypted = (SELECT date_of_birth_encrypted FROM clients WHERE tenant_id = $1 AND id = $2)
         WHERE tenant_id = $3 AND id = $2`,
        [tenantA, victim, tenantB],
      );
      expect(twin).toBe(victim);
      await expectFailure(tenantB, twin, 'clients.date_of_birth');
    });

    it('between tables: a placement record field copied into a medication', async () => {
      const error = await inTenant(tenantA, async (manager, cipher) => {
        const recordId = randomUUID();
        const sealed = await sealRecordFields(cipher, 'placement_records', recordId, { diagnoses: 'Vascular dementia' });
        return failureOf(() => cipher.decrypt({ table: 'medications', column: 'drug_name' }, recordId, sealed.diagnosesEncrypted!));
      });
      expect(error).toBeInstanceOf(PhiDecryptionError);
      expect(error.message).toContain('medications.drug_name');
    });

    it('with its key version changed in the envelope', async () => {
      const [{ value }] = await owner(`SELECT medical_record_number_encrypted AS value FROM clients WHERE tenant_id = $1 AND id = $2`, [tenantA, alan]);
      const tampered = Buffer.from(value);
      tampered.writeUInt32BE(7, 1);
      const error = await inTenant(tenantA, (_manager, cipher) =>
        failureOf(() => cipher.decrypt({ table: 'clients', column: 'medical_record_number' }, alan, tampered)),
      );
      expect(error.message).toContain('key version 7 is not available');
    });
  });

  it('refuses plaintext that breaks the old column rules, naming the rule and not the value', async () => {
    const error = await inTenant(tenantA, (_manager, cipher) =>
      failureOf(() => sealClientIdentity(cipher, randomUUID(), { ...GRACE, firstName: `Grace${'e'.repeat(100)}`, medicalRecordNumber: 'MRN 1' })),
    );
    expect(error).toBeInstanceOf(PhiInputError);
    expect(error.message).toMatch(/^client\.(firstName|medicalRecordNumber): /);
    expect(error.message).not.toContain('Grace');
    expect(error.message).not.toContain('MRN 1');
  });

  it('the database refuses plaintext bytes in an encrypted column, for the application role too', async () => {
    const id = await addClient(tenantA, { ...GRACE, medicalRecordNumber: 'MRN-PLAIN' });
    const state = await sqlstateOf(() =>
      withTenant(app, tenantA, (manager) => manager.query(`UPDATE clients SET first_name_encrypted = convert_to('Grace', 'UTF8') WHERE id = $1`, [id])),
    );
    expect(state).toBe('23514');
  });
});
