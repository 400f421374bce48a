import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, In } from 'typeorm';
import { withTenant } from '../../src/database/tenant-context';
import { Client } from '../../src/entities';
import {
  BLIND_INDEXES,
  ClientIdentityValues,
  findClientsByDateOfBirth,
  findClientsByMedicalRecordNumber,
  sealClientIdentity,
  TenantCipher,
} from '../../src/phi';
import { useAppLogin } from '../support/app-login';
import { makeClient } from '../support/factories';
import { useKeyFolder } from '../support/phi';
import { outcomeOf } from '../support/rule-check';
import { createParents, createTenant, Query } from '../support/tenant-data';
import { useTestDatabase } from '../support/test-database';

const person = (medicalRecordNumber: string, dateOfBirth: string): ClientIdentityValues => ({
  firstName: 'Mae',
  lastName: 'Jemison',
  dateOfBirth,
  medicalRecordNumber,
});

/** Exact-match lookups through blind indexes: exactly the matching rows, only in the tenant's own context. */
describe('blind-index lookups on encrypted fields', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  const keys = useKeyFolder();
  let app: DataSource;
  let tenantA: string;
  let tenantB: string;
  const owner: Query = (sql, parameters) => db.dataSource.query(sql, parameters);
  const ids: Record<string, string> = {};

  const inTenant = <T>(tenant: string, work: (manager: EntityManager, cipher: TenantCipher) => Promise<T>) =>
    withTenant(app, tenant, async (manager) => work(manager, await keys.keyring().forTransaction(manager)));
  const add = (tenant: string, identity: ClientIdentityValues, deleted = false) =>
    inTenant(tenant, async (manager, cipher) => {
      const id = randomUUID();
      await manager.insert(Client, makeClient(tenant, { id, ...(await sealClientIdentity(cipher, id, identity)), deletedAt: deleted ? new Date() : null }));
      return id;
    });
  const sorted = (list: string[]) => [...list].sort();

  beforeAll(async () => {
    tenantA = await createTenant(owner);
    tenantB = await createTenant(owner);
    await createParents(owner, tenantA);
    await createParents(owner, tenantB);
    app = await login.connect(2);
    ids.sharedA = await add(tenantA, person('MRN-SHARED', '1950-05-05'));
    ids.a1 = await add(tenantA, person('MRN-A1', '1950-05-05'));
    ids.a2 = await add(tenantA, person('MRN-A2', '1950-05-05'));
    ids.a3 = await add(tenantA, person('MRN-A3', '1950-05-06'));
    ids.deletedA = await add(tenantA, person('MRN-GONE', '1950-05-05'), true);
    ids.sharedB = await add(tenantB, person('MRN-SHARED', '1950-05-05'));
  });

  it('by medical record number: exactly the live client with it, in each tenant its own', async () => {
    const found = async (tenant: string, mrn: string) => (await inTenant(tenant, (m, c) => findClientsByMedicalRecordNumber(m, c, mrn))).map((client) => client.id);
    expect(await found(tenantA, 'MRN-SHARED')).toEqual([ids.sharedA]);
    expect(await found(tenantB, 'MRN-SHARED')).toEqual([ids.sharedB]);
    expect(await found(tenantA, 'MRN-A1')).toEqual([ids.a1]);
    expect(await found(tenantB, 'MRN-A1')).toEqual([]);
    expect(await found(tenantA, 'MRN-GONE')).toEqual([]);
    expect(await found(tenantA, 'mrn-a1')).toEqual([]);
  });

  it("each tenant's blind index of the same value differs (tenant-scoped keys)", async () => {
    const [a, b] = await owner(
      `SELECT medical_record_number_bidx AS bidx FROM clients WHERE (tenant_id, id) IN (($1::uuid, $2::uuid), ($3::uuid, $4::uuid)) ORDER BY tenant_id = $1 DESC`,
      [tenantA, ids.sharedA, tenantB, ids.sharedB],
    );
    expect(Buffer.compare(a.bidx, b.bidx)).not.toBe(0);
  });

  it("one tenant's blind index finds nothing in another tenant's context", async () => {
    const fromA = await inTenant(tenantA, (_m, cipher) => cipher.lookupBlindIndexes(BLIND_INDEXES.medicalRecordNumber, 'MRN-A1'));
    const inB = await withTenant(app, tenantB, (manager) => manager.find(Client, { where: { medicalRecordNumberBidx: In(fromA) } }));
    const outside = await app.query(`SELECT count(*)::int AS n FROM clients WHERE medical_record_number_bidx = $1`, [fromA[0]]);
    expect({ inB, outside }).toEqual({ inB: [], outside: [{ n: 0 }] });
  });

  it('a medical record number stays unique among the tenant\'s live clients', async () => {
    const outcome = await outcomeOf(() => add(tenantA, person('MRN-A1', '1960-01-01')));
    expect(outcome).toContain('uq_clients_tenant_id_medical_record_number_bidx');
    expect(await add(tenantA, person('MRN-GONE', '1960-01-01'))).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('by date of birth: exactly the live clients born that day, even when another date shares the 12-bit bucket', async () => {
    // Find a different date with the same truncated blind index in tenant A: the database
    // cannot tell the two apart, the lookup must (by decrypting).
    const collision = await inTenant(tenantA, async (_manager, cipher) => {
      const target = (await cipher.blindIndex(BLIND_INDEXES.dateOfBirth, '1950-05-05')).toString('hex');
      for (let day = 1; day < 40_000; day++) {
        const date = new Date(Date.UTC(1901, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
        if (date !== '1950-05-05' && (await cipher.blindIndex(BLIND_INDEXES.dateOfBirth, date)).toString('hex') === target) return date;
      }
      throw new Error('no collision found');
    });
    ids.collision = await add(tenantA, person('MRN-COLLIDE', collision));
    const found = await inTenant(tenantA, (m, c) => findClientsByDateOfBirth(m, c, '1950-05-05'));
    expect(sorted(found.map((client) => client.id))).toEqual(sorted([ids.sharedA!, ids.a1!, ids.a2!]));
    const bucket = await inTenant(tenantA, async (manager, cipher) =>
      manager.count(Client, { where: { dateOfBirthBidx: In(await cipher.lookupBlindIndexes(BLIND_INDEXES.dateOfBirth, '1950-05-05')) } }),
    );
    expect(bucket).toBe(4); // the three and the collision (count() leaves out the soft-deleted one)
    expect((await inTenant(tenantB, (m, c) => findClientsByDateOfBirth(m, c, '1950-05-05'))).map((client) => client.id)).toEqual([ids.sharedB]);
    expect((await inTenant(tenantA, (m, c) => findClientsByDateOfBirth(m, c, '1950-05-06'))).map((client) => client.id)).toEqual([ids.a3]);
  });

  it('the lookup is an index condition under row-level security (bytea equality is LEAKPROOF)', async () => {
    // Enough rows that only an index condition on the blind index itself is cheap.
    await owner(
      `INSERT INTO clients (tenant_id, first_name_encrypted, last_name_encrypted, date_of_birth_encrypted, medical_record_number_encrypted,
                            date_of_birth_bidx, medical_record_number_bidx)
       SELECT $1, e, e, e, e, substring(b FROM 1 FOR 2), b
       FROM generate_series(1, 5000) i
       CROSS JOIN LATERAL (SELECT decode('0100000001', 'hex') || convert_to('brng:' || md5(i::text), 'UTF8') AS e,
                                  decode(md5('b' || i) || md5('c' || i), 'hex') AS b) v`,
      [tenantA],
    );
    await owner(`ANALYZE clients`);
    const plan = await inTenant(tenantA, async (manager, cipher) => {
      const [bidx] = await cipher.lookupBlindIndexes(BLIND_INDEXES.medicalRecordNumber, 'MRN-A1');
      const [row] = await manager.query(`EXPLAIN (FORMAT JSON) SELECT id FROM clients WHERE medical_record_number_bidx = $1 AND deleted_at IS NULL`, [bidx]);
      return JSON.stringify(row['QUERY PLAN']);
    });
    expect(plan).toContain('uq_clients_tenant_id_medical_record_number_bidx');
    expect(plan).toMatch(/"Index Cond":"\(\(tenant_id = [^"]*\) AND \(medical_record_number_bidx = /);
  });
});
