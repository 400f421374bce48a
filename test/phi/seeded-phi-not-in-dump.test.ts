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

  it('no seeded PHI value is in the data-only dump, as text or as bytes', () => {
    // bytea values (ciphertexts, blind indexes, hashes) appear as \x<hex>: a digit-only value
    // such as a ZIP code can occur inside one by chance, so plain text is looked for outside
    // them, and each value's own UTF-8 bytes (plaintext stored in a bytea) inside them.
    const blobs = dump.text.match(/\\x[0-9a-f]+/g) ?? [];
    const outside = dump.text.replace(/\\x[0-9a-f]+/g, ' ');
    const inside = blobs.join(' ');
    expect(blobs.length).toBeGreaterThan(100);
    const asText = seededPhiValues().filter((value) => outside.includes(value));
    // Values of 5 bytes or more: a shorter hex pattern would turn up in random bytes by chance.
    const asBytes = seededPhiValues().filter((value) => Buffer.byteLength(value) >= 5 && inside.includes(Buffer.from(value, 'utf8').toString('hex')));
    expect({ method: dump.method, asText, asBytes }).toEqual({ method: dump.method, asText: [], asBytes: [] });
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
