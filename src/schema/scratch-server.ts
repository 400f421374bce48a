import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ConnectionSettings, withDatabase } from '../database/connection-settings';

/** A scratch database could not be created: reported as one line by the commands (exit 2). */
export class ScratchDatabaseError extends Error {
  override name = 'ScratchDatabaseError';
}

/**
 * Runs `work` on a new, empty database (from template0) on the same server as `settings`,
 * dropped afterwards even when `work` fails. Needs CREATEDB on that server.
 */
export async function withEmptyScratchDatabase<T>(settings: ConnectionSettings, work: (scratch: ConnectionSettings) => Promise<T>): Promise<T> {
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
    return await work(withDatabase(settings, name));
  } finally {
    await adminQuery(settings, (client) => `DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  }
}

async function adminQuery(settings: ConnectionSettings, sql: (client: Client) => string): Promise<void> {
  const client = new Client({ connectionString: settings.url, application_name: 'foundation-db schema tooling', connectionTimeoutMillis: settings.connectTimeoutMs });
  await client.connect();
  try {
    await client.query(sql(client));
  } finally {
    await client.end();
  }
}
