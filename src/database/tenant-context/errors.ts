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
