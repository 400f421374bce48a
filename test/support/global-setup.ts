import 'reflect-metadata';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { FoundationDataSource } from '../../src/database/foundation-data-source';
import { ADMIN_URL_VARIABLE, createDatabase, TEMPLATE_VARIABLE, uniqueDatabaseName } from './databases';
import { startTestServer, TEST_DATABASE_PREFIX, TestServer, withAdminClient } from './test-server';

/** Handed from global setup to global teardown, which run in the same process. */
export interface SuiteState {
  server: TestServer;
  template: string;
}
declare global {
  // eslint-disable-next-line no-var
  var foundationTestSuite: SuiteState | undefined;
}

/**
 * Once per `jest` run: start (or reach) the server, migrate one template database, and tell
 * the workers where both are. Each test file then clones the template, which is much faster
 * than migrating again.
 */
export default async function globalSetup(): Promise<void> {
  const server = await startTestServer();
  if (server.owned) await dropLeftoverDatabases(server);

  const template = uniqueDatabaseName('template');
  const settings = await createDatabase(server.admin, template);
  const dataSource = new FoundationDataSource(buildDataSourceOptions(settings), settings);
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }

  process.env[ADMIN_URL_VARIABLE] = server.admin.url;
  process.env[TEMPLATE_VARIABLE] = template;
  globalThis.foundationTestSuite = { server, template };
}

/** On the suite's own cluster nobody else runs, so databases left by an interrupted run can go. */
async function dropLeftoverDatabases(server: TestServer): Promise<void> {
  await withAdminClient(server.admin, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
      [TEST_DATABASE_PREFIX],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`);
    }
  });
}
