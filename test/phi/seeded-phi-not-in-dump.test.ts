import { DataSource } from 'typeorm';
import { withTenant } from '../../src/database/tenant-context';
import { openClientIdentity, openFields, phiKeyringFromEnvironment } from '../../src/phi';
import { Client, PlacementRecord } from '../../src/entities';
import { seededClientIdentity } from '../../src/seed/core-seed';
import { seededClinicalPhi } from '../../src/seed/clinical-seed';
import { seedId } from '../../src/seed/seed-id';
import { SEED_TENANTS } from '../../src/seed/seed-tenants';
import { seededPhiValues } from '../../src/seed/run-seed';
import { useAppLogin } from '../support/app-login';
import { runProjectCli } from '../support/cli';
import { dataDump, DataDump } from '../support/dump';
import { useTestDatabase } from '../support/test-database';

/**
 * After `db:seed`, the database holds every seeded PHI value only as ciphertext: a data-only
 * dump contains none of them, while it does contain the seed's non-PHI values and the
 * ciphertexts, and the application reads the PHI back through the keys.
 */
describe('seeded PHI never appears in clear in a dump', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  let dump: DataDump;
  let app: DataSource;

  beforeAll(async () => {
    const seeded = await runProjectCli('db-seed', [], { DATABASE_URL: db.settings.url });
    expect(seeded).toMatchObject({ code: 0 });
    dump = await dataDump(db.dataSource, db.settings);
    app = await login.connect(2);
  });

  it('the seed encrypts a good number of distinct PHI values', () => {
    expect(seededPhiValues().length).toBeGreaterThan(50);
  });

  it('no seeded PHI value is in the data-only dump', () => {
    const found = seededPhiValues().filter((value) => dump.text.includes(value));
    expect({ method: dump.method, found }).toEqual({ method: dump.method, found: [] });
  });

  it('the dump does hold the seed: non-PHI values in clear, and the ciphertexts', () => {
    for (const clear of ['Acme Care Main House', 'Dr. Ana Ruiz', 'placement_intake', 'staff@acme-care.example.org', 'memory_care']) {
      expect({ clear, present: dump.text.includes(clear) }).toEqual({ clear, present: true });
    }
    // The envelope's header (format 1, key version 1) followed by "brng:" in hex.
    expect(dump.text).toContain('\\x010000000162726e673a');
  });

  it('the application reads the seeded PHI back in its tenant', async () => {
    const keyring = phiKeyringFromEnvironment(process.env);
    for (const tenant of SEED_TENANTS) {
      const read = await withTenant(app, tenant.id, async (manager) => {
        const cipher = await keyring.forTransaction(manager, { createIfMissing: false });
        const client = await manager.findOneByOrFail(Client, { id: seedId(`${tenant.slug}:client:admitted`) });
        const record = await manager.findOneByOrFail(PlacementRecord, { id: seedId(`${tenant.slug}:placement:admitted`) });
        return { identity: await openClientIdentity(cipher, client), clinical: await openFields(cipher, 'placement_records', record) };
      });
      expect(read).toEqual({ identity: seededClientIdentity(tenant, 'admitted'), clinical: seededClinicalPhi(tenant).admitted });
    }
  });
});
