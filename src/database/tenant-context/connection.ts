import { EntityManager, QueryRunner } from 'typeorm';
import { TenantContextError } from './errors';

/** The node-postgres client under a TypeORM query runner, or one used directly (`pg.Client`, `pg.PoolClient`). */
export interface PgConnection {
  query(sql: string, values?: unknown[]): Promise<{ rows: any[] }>;
}

/**
 * The PostgreSQL backend pid of a node-postgres client, which it learns at start-up
 * (BackendKeyData) and keeps as `processID` (not in @types/pg): no query needed.
 */
export function backendPidOf(connection: PgConnection): number | null {
  return (connection as { processID?: number | null }).processID ?? null;
}

/** Where a tenant can be entered: a transaction's EntityManager or QueryRunner, or a pg client inside BEGIN. */
export type TenantConnection = EntityManager | QueryRunner | PgConnection;

function isPgConnection(target: TenantConnection): target is PgConnection {
  return 'processID' in target;
}

/**
 * The pg client a statement will run on. For a manager, its transaction's query runner: a
 * manager without one (`dataSource.manager`) would run each statement on any pooled connection,
 * where a transaction-local context means nothing.
 */
export async function pgConnectionOf(target: TenantConnection): Promise<PgConnection> {
  if (isPgConnection(target)) return target;
  const runner = target instanceof EntityManager ? target.queryRunner : (target as QueryRunner);
  if (!runner) {
    throw new TenantContextError("A tenant is entered inside a transaction: use the EntityManager that dataSource.transaction() or withTenant() gives");
  }
  const connection = (await runner.connect()) as PgConnection;
  if (!connection || typeof connection.query !== 'function') throw new TenantContextError('Tenant contexts need the postgres driver (node-postgres)');
  return connection;
}

interface ConnectionState {
  /** The last proof sequence number used on this connection. */
  sequence: number;
  /** Roles whose safety (no BYPASSRLS, no cross-tenant policies) was checked on this connection. */
  checkedRoles: Set<string>;
}

/**
 * What withTenant remembers per pooled connection, for as long as the connection lives: kept on
 * the side (not on the pg client object), and forgotten with the client.
 */
const states = new WeakMap<PgConnection, ConnectionState>();

function stateOf(connection: PgConnection): ConnectionState {
  let state = states.get(connection);
  if (!state) states.set(connection, (state = { sequence: 0, checkedRoles: new Set() }));
  return state;
}

/** The next proof sequence number for this connection: the database accepts each at most once per connection. */
export function nextProofSequence(connection: PgConnection): number {
  return ++stateOf(connection).sequence;
}

/**
 * After the database refused a proof as already used, continue above the sequence it last
 * accepted: SQL on the connection may have raised that watermark (a session setting), and the
 * connection would otherwise be refused forever.
 */
export function continueProofSequenceAbove(connection: PgConnection, accepted: number): void {
  const state = stateOf(connection);
  if (Number.isSafeInteger(accepted) && accepted > state.sequence) state.sequence = accepted;
}

export function isRoleChecked(connection: PgConnection, role: string): boolean {
  return stateOf(connection).checkedRoles.has(role);
}

export function markRoleChecked(connection: PgConnection, role: string): void {
  stateOf(connection).checkedRoles.add(role);
}
