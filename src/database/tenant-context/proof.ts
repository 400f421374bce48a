import { createHmac } from 'node:crypto';
import { TenantContextKey } from './context-key';

/**
 * Version prefix of a tenant proof. The database (`enter_tenant`, migration
 * VerifyTenantContext1754250081000) reads exactly this format:
 * `ftc1.<key id>.<tenant>.<backend pid>.<sequence>.<expires at, ms since the epoch>.<HMAC-SHA256 hex>`,
 * the MAC taken over everything before its `.`.
 */
export const PROOF_VERSION = 'ftc1';
/** The database refuses a proof that expires more than this far ahead of its own clock. */
export const PROOF_MAX_LIFETIME_MS = 60_000;
/** How long a proof made by `withTenant` is valid: enough for clocks a few seconds apart. */
export const DEFAULT_PROOF_LIFETIME_MS = 30_000;

export interface TenantProofClaims {
  /** Lower-case UUID of the tenant to enter. */
  tenantId: string;
  /** PostgreSQL backend pid of the one connection the proof may be used on. */
  backendPid: number;
  /** Above every sequence number used before on that connection. */
  sequence: number;
  /** Milliseconds since the epoch. */
  expiresAtMs: number;
}

/** Signs the claims: what `enter_tenant($1)` verifies. Holding the key is what lets one enter any tenant. */
export function createTenantProof(key: TenantContextKey, claims: TenantProofClaims): string {
  const { tenantId, backendPid, sequence, expiresAtMs } = claims;
  for (const [name, value] of Object.entries({ backendPid, sequence, expiresAtMs })) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  const signed = `${PROOF_VERSION}.${key.id}.${tenantId.toLowerCase()}.${backendPid}.${sequence}.${Math.trunc(expiresAtMs)}`;
  return `${signed}.${key.withSecret((secret) => createHmac('sha256', secret).update(signed, 'utf8').digest('hex'))}`;
}
