import { TenantContextKey, resolveTenantContextKey } from './context-key';
import { backendPidOf, continueProofSequenceAbove, nextProofSequence, PgConnection, pgConnectionOf, TenantConnection } from './connection';
import { TenantContextError, TenantProofRejectedError } from './errors';
import { createTenantProof, DEFAULT_PROOF_LIFETIME_MS } from './proof';

/**
 * The search_path every tenant transaction's connection is pinned to: our schema, then
 * temporary objects last (PostgreSQL searches pg_temp first unless it is listed), so no
 * temporary table can stand in for one of ours.
 */
export const PINNED_SEARCH_PATH = 'public, pg_temp';

/** What `enter_tenant` reports: the tenant's status, `deleted` when soft-deleted, `unknown` when there is no such tenant. */
export type TenantContextStatus = 'active' | 'suspended' | 'archived' | 'deleted' | 'unknown';

export interface EnterTenantOptions {
  /** Key to sign the proof with; default: resolveTenantContextKey() (configuration, then the development key file). */
  key?: TenantContextKey;
  /** Role to assume for the rest of the transaction (`set_config('role', ..., true)`), in the same statement; none by default. */
  role?: string;
  /** How long the proof is valid, at most 60 s; default 30 s. */
  proofLifetimeMs?: number;
}

export interface EnteredTenant {
  status: TenantContextStatus;
  /** current_user once the role was assumed. */
  roleInEffect: string;
  connection: PgConnection;
}

/**
 * Enters `tenantId` for the rest of the current transaction on `target`, in one statement: pins
 * the connection's search_path, assumes `role` if given, and calls `enter_tenant($1)` with a proof
 * signed by the application's key for this connection's backend, a fresh sequence number and a
 * short expiry. The proof travels as a bind parameter, so it is in no SQL text, no
 * pg_stat_activity row and no TypeORM query log (the statement goes to the pg client directly).
 *
 * This is the building block of `withTenant`; use it directly only where a transaction already
 * exists (seeding, data migrations by the owner, tests). It does not refuse unknown tenants or
 * unsafe roles: withTenant does.
 */
export async function enterTenant(target: TenantConnection, tenantId: string, options: EnterTenantOptions = {}): Promise<EnteredTenant> {
  const connection = await pgConnectionOf(target);
  const backendPid = backendPidOf(connection);
  if (!backendPid) throw new TenantContextError('The connection has no backend pid (not connected?)');
  const key = options.key ?? resolveTenantContextKey();
  const lifetime = options.proofLifetimeMs ?? DEFAULT_PROOF_LIFETIME_MS;
  const proof = createTenantProof(key, {
    tenantId,
    backendPid,
    sequence: nextProofSequence(connection),
    expiresAtMs: Date.now() + lifetime,
  });
  // Evaluated left to right: the role is in effect before current_user is read.
  const sql = options.role
    ? `SELECT pg_catalog.set_config('search_path', '${PINNED_SEARCH_PATH}', false) AS search_path,
              pg_catalog.set_config('role', $2, true) AS role,
              public.enter_tenant($1) AS status, current_user AS role_in_effect`
    : `SELECT pg_catalog.set_config('search_path', '${PINNED_SEARCH_PATH}', false) AS search_path,
              public.enter_tenant($1) AS status, current_user AS role_in_effect`;
  try {
    const { rows } = await connection.query(sql, options.role ? [proof, options.role] : [proof]);
    return { status: rows[0]!.status, roleInEffect: rows[0]!.role_in_effect, connection };
  } catch (error) {
    const lastAccepted = /already used on this connection \(last accepted (\d+)\)/.exec((error as Error).message ?? '');
    if (lastAccepted) continueProofSequenceAbove(connection, Number(lastAccepted[1]));
    throw explainEntryFailure(error);
  }
}

/** Refusals of enter_tenant (28000) and a missing migration become TenantContextErrors; anything else passes through. */
function explainEntryFailure(error: unknown): unknown {
  const { code, message, hint } = error as { code?: string; message?: string; hint?: string };
  if (code === '28000') return new TenantProofRejectedError(hint ? `${message} (${hint})` : String(message));
  if (code === '42883' && message?.includes('enter_tenant')) {
    return new TenantContextError('The database has no enter_tenant(): run the migrations (VerifyTenantContext1754250081000)');
  }
  return error;
}
