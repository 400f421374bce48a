import { randomBytes } from 'node:crypto';
import { toDatabaseUrl, parseDatabaseUrl, withDatabase } from '../../src/database/connection-settings';
import { foundationDataSourceFor } from '../../src/database/data-sources';
import { diffSchemas, flattenSchema } from '../../src/schema/schema-diff';
import { readProjectSchema, readSnapshotFile } from '../../src/schema/snapshot-file';
import { dropDatabase, testAdminSettings, uniqueDatabaseName } from '../support/databases';
import { FUNCTION_OWNING_ROLES } from '../support/owner-login';
import { withAdminClient } from '../support/test-server';

/**
 * The migrating role's name differs between environments (postgres on a laptop, a dedicated
 * migrator in production). A database migrated by another role, which owns it, must give
 * exactly the committed snapshot: the owner appears as <owner>, never by name.
 */
describe('schema snapshot under another migrating role', () => {
  const admin = () => testAdminSettings();
  const role = `ft_migrator_${process.pid}_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const database = uniqueDatabaseName('owner');

  beforeAll(async () => {
    await withAdminClient(admin(), async (client) => {
      await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      // The function-owning roles exist (global setup migrated the template); a migrator must be
      // a member to hand functions to them, and only an administrator can grant that.
      for (const granted of FUNCTION_OWNING_ROLES) await client.query(`GRANT ${granted} TO ${role}`);
      await client.query(`CREATE DATABASE ${database} OWNER ${role} TEMPLATE template0`);
    });
    // ... and it owns the public schema, as PostgreSQL 15+ gives a database owner by default
    // (PostgreSQL 14 leaves it to the bootstrap superuser).
    await withAdminClient(withDatabase(admin(), database), (client) => client.query(`ALTER SCHEMA public OWNER TO ${role}`));
  });
  afterAll(async () => {
    await dropDatabase(admin(), database);
    await withAdminClient(admin(), (client) => client.query(`DROP ROLE IF EXISTS ${role}`));
  });

  it('matches the committed snapshot, with no trace of the role name', async () => {
    const settings = parseDatabaseUrl(toDatabaseUrl({ ...admin(), username: role, password }, database));
    const dataSource = foundationDataSourceFor(settings);
    await dataSource.initialize();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
      const [{ owner }] = await dataSource.query(`SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'tenants'`);
      expect(owner).toBe(role);

      const model = await readProjectSchema(dataSource);
      expect(diffSchemas(model, readSnapshotFile()!)).toEqual([]);
      expect([...flattenSchema(model).values()].join('\n')).not.toContain(role);
    } finally {
      await dataSource.destroy();
    }
  });
});
