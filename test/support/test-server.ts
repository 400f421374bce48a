import { Client } from 'pg';
import { ConnectionSettings, parseDatabaseUrl, withDatabase } from '../../src/database/connection-settings';
import { startEmbeddedServer } from '../../src/database/embedded-server';

/** The server the test suite runs on, and a connection with the right to create databases. */
export interface TestServer {
  admin: ConnectionSettings;
  /**
   * True for the suite's own embedded cluster when this run started it: every test database
   * on it is ours. False on DATABASE_URL, and when another run in the same folder already had
   * it running (the embedded server is shared), whose databases must be left alone.
   */
  owned: boolean;
  stop(): Promise<void>;
}

/** Prefix of every database the suite creates; `ft_<pid>_...` so a run's databases are recognisable. */
export const TEST_DATABASE_PREFIX = 'ft_';

/**
 * DATABASE_URL when set (its database is only used to create and drop the test databases),
 * otherwise the suite's own embedded cluster, `.pgdata/pg<major>-test`, run without fsync.
 */
export async function startTestServer(env: NodeJS.ProcessEnv = process.env): Promise<TestServer> {
  const url = env.DATABASE_URL?.trim();
  if (url) return { admin: parseDatabaseUrl(url), owned: false, stop: async () => undefined };
  const server = await startEmbeddedServer({ name: 'test', database: 'postgres', durable: false });
  return { admin: withDatabase(server.settings, 'postgres'), owned: !server.shared, stop: server.stop };
}

export async function withAdminClient<T>(admin: ConnectionSettings, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: admin.url, application_name: 'foundation-db tests' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
