import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ConnectionSettings, withDatabase } from '../database/connection-settings';
import { buildDataSourceOptions } from '../database/data-source-options';
import { FoundationDataSource } from '../database/foundation-data-source';

/** A scratch database could not be created: reported as one line by the commands. */
export class ScratchDatabaseError extends Error {}

/**
 * Runs `work` on a throw-away database on the same server as `settings`: created from
 * template0 (so nothing the server's template1 holds leaks in), migrated from the project's
 * migrations, and dropped afterwards even when `work` fails. Needs CREATEDB on that server.
 */
export async function withMigratedScratchDatabase<T>(
  settings: ConnectionSettings,
  work: (dataSource: FoundationDataSource) => Promise<T>,
): Promise<T> {
  const name = `scratch_${process.pid}_${randomBytes(4).toString('hex')}`;
  try {
    await adminQuery(settings, (client) => `CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE template0`);
  } catch (error) {
    throw new ScratchDatabaseError(
      `Cannot create a scratch database on ${settings.host}:${settings.port} as "${settings.username}" ` +
        `(${(error as Error).message}); the schema tools migrate one to compare with. Grant CREATEDB, or run them against a development server.`,
    );
  }
  try {
    const scratch = withDatabase(settings, name);
    const dataSource = new FoundationDataSource(buildDataSourceOptions(scratch), scratch);
    await dataSource.initialize();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
      return await work(dataSource);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await adminQuery(settings, (client) => `DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  }
}

async function adminQuery(settings: ConnectionSettings, sql: (client: Client) => string): Promise<void> {
  const client = new Client({ connectionString: settings.url, application_name: 'foundation-db schema tooling' });
  await client.connect();
  try {
    await client.query(sql(client));
  } finally {
    await client.end();
  }
}
