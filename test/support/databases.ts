import { randomBytes } from 'node:crypto';
import { ConnectionSettings, parseDatabaseUrl, withDatabase } from '../../src/database/connection-settings';
import { TEST_DATABASE_PREFIX, withAdminClient } from './test-server';

/** Set by global-setup for every test worker. */
export const ADMIN_URL_VARIABLE = 'FOUNDATION_TEST_ADMIN_URL';
export const TEMPLATE_VARIABLE = 'FOUNDATION_TEST_TEMPLATE';

export function testAdminSettings(): ConnectionSettings {
  const url = process.env[ADMIN_URL_VARIABLE];
  if (!url) throw new Error(`${ADMIN_URL_VARIABLE} is not set: run the tests through jest, whose global setup sets it`);
  return parseDatabaseUrl(url);
}

export function migratedTemplateName(): string {
  const name = process.env[TEMPLATE_VARIABLE];
  if (!name) throw new Error(`${TEMPLATE_VARIABLE} is not set: run the tests through jest, whose global setup sets it`);
  return name;
}

export function uniqueDatabaseName(purpose: string): string {
  return `${TEST_DATABASE_PREFIX}${process.pid}_${purpose}_${randomBytes(4).toString('hex')}`.slice(0, 63);
}

/**
 * Creates a database: a copy of `template` (the migrated template, for speed) or, without one,
 * an empty database from template0, untouched by whatever the server's template1 holds.
 */
export async function createDatabase(admin: ConnectionSettings, name: string, template = 'template0'): Promise<ConnectionSettings> {
  await withAdminClient(admin, (client) =>
    client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(template)}`),
  );
  return withDatabase(admin, name);
}

export async function dropDatabase(admin: ConnectionSettings, name: string): Promise<void> {
  await withAdminClient(admin, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
  );
}
