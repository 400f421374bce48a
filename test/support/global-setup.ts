import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateDatabase } from '../../src/database/migrate-database';
import { resolveTenantContextKey } from '../../src/database/tenant-context/context-key';
import { installTenantContextKey } from '../../src/database/tenant-context/key-store';
import { LOCAL_KEK_FOLDER_VARIABLE } from '../../src/phi/kek/configure';
import { ADMIN_URL_VARIABLE, createDatabase, TEMPLATE_VARIABLE, uniqueDatabaseName } from './databases';
import { TEST_ROLE_PREFIX } from './app-login';
import { BUILD_VARIABLE, buildTestCopy } from './compiled-project';
import { startTestServer, TEST_DATABASE_PREFIX, TestServer, withAdminClient } from './test-server';

/** Handed from global setup to global teardown, which run in the same process. */
export interface SuiteState {
  server: TestServer;
  template: string;
  /** The suite's own key-encryption key folder (FOUNDATION_PHI_KEY_DIR), removed afterwards. */
  keyFolder: string;
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
  if (server.owned) {
    await dropLeftoverDatabases(server);
    await dropLeftoverRoles(server);
  }

  const template = uniqueDatabaseName('template');
  const settings = await createDatabase(server.admin, template);
  await migrateDatabase(settings);
  // The key withTenant signs with in every test (FOUNDATION_TENANT_CONTEXT_KEY, or the git-ignored
  // development key file): clones of the template inherit it.
  await withAdminClient(settings, (client) => installTenantContextKey(client, resolveTenantContextKey()));

  // Development key-encryption keys of this run, never the developer's own (.pgdata/phi-keys):
  // workers and the commands they start inherit it. Files that need a folder of their own (to
  // shred a tenant, say) use useKeyFolder() from phi.ts.
  const keyFolder = mkdtempSync(path.join(os.tmpdir(), 'foundation-phi-keys-'));
  process.env[LOCAL_KEK_FOLDER_VARIABLE] = keyFolder;

  // The commands the tests start run on this compiled copy (test/support/cli.ts).
  process.env[BUILD_VARIABLE] = buildTestCopy();

  process.env[ADMIN_URL_VARIABLE] = server.admin.url;
  process.env[TEMPLATE_VARIABLE] = template;
  globalThis.foundationTestSuite = { server, template, keyFolder };
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

/**
 * Login roles left by an interrupted run (roles are cluster-wide and outlive the databases).
 * Only on the suite's own cluster: on a shared server another run may be using its roles.
 */
async function dropLeftoverRoles(server: TestServer): Promise<void> {
  await withAdminClient(server.admin, async (client) => {
    const { rows } = await client.query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)`,
      [TEST_ROLE_PREFIX],
    );
    for (const { rolname } of rows) await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(rolname)}`);
  });
}
