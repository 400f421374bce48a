import { Client } from 'pg';
import { ConnectionSettings, withDatabase } from '../../src/database/connection-settings';

export async function withClient<T>(settings: ConnectionSettings, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: settings.url, application_name: 'foundation-db bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh database: empty (from template0) or a copy of `template`. Replaces one left by an earlier run. */
export async function createDatabase(admin: ConnectionSettings, name: string, template = 'template0'): Promise<ConnectionSettings> {
  await withClient(admin, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(template)}`);
  });
  return withDatabase(admin, name);
}

export async function dropDatabase(admin: ConnectionSettings, name: string): Promise<void> {
  await withClient(admin, (client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`));
}
