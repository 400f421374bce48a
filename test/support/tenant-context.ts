import { Client } from 'pg';
import { ConnectionSettings } from '../../src/database/connection-settings';
import { createTenantProof, resolveTenantContextKey, TenantContextKey } from '../../src/database/tenant-context';

/** A plain pg client (no pool, no TypeORM) as the given login, closed by the caller. */
export async function rawClient(settings: ConnectionSettings): Promise<Client> {
  const client = new Client({ connectionString: settings.url, application_name: 'foundation-db tests' });
  await client.connect();
  return client;
}

/** The backend pid node-postgres learnt at start-up. */
export function backendPid(client: Client): number {
  return (client as unknown as { processID: number }).processID;
}

let sequence = 1_000_000;

/**
 * A proof as withTenant makes it, for `client`'s backend unless told otherwise, with a sequence
 * number above anything withTenant uses in a test.
 */
export function proofFor(
  client: Client,
  tenantId: string,
  overrides: { key?: TenantContextKey; backendPid?: number; sequence?: number; expiresAtMs?: number } = {},
): string {
  return createTenantProof(overrides.key ?? resolveTenantContextKey(), {
    tenantId,
    backendPid: overrides.backendPid ?? backendPid(client),
    sequence: overrides.sequence ?? ++sequence,
    expiresAtMs: overrides.expiresAtMs ?? Date.now() + 30_000,
  });
}

/** SQLSTATE and message of a failed query, or 'ok'. */
export async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return `${code ?? 'no sqlstate'}: ${message}`;
  }
}
