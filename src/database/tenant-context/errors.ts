/** A tenant context that cannot be set up: a malformed tenant id, or an unsafe connection role. */
export class TenantContextError extends Error {
  override name = 'TenantContextError';
}

/** The tenant id is well-formed but names no live tenant. */
export class UnknownTenantError extends TenantContextError {
  override name = 'UnknownTenantError';
  constructor(readonly tenantId: string) {
    super(`Unknown tenant ${tenantId}: no live tenant has this id`);
  }
}

/**
 * The database refused the tenant proof (`enter_tenant`, SQLSTATE 28000): forged, expired, made
 * for another connection, used before, or signed with a key the database does not have.
 */
export class TenantProofRejectedError extends TenantContextError {
  override name = 'TenantProofRejectedError';
  /** The SQLSTATE, as on the driver's errors. */
  readonly code = '28000';
}
