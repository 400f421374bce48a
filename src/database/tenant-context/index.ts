export { TenantContextError, TenantProofRejectedError, UnknownTenantError } from './errors';
export { APP_ROLE_VARIABLE, DEFAULT_PLATFORM_ROLE, PLATFORM_ROLE_VARIABLE } from './roles';
export { withTenant } from './with-tenant';
export type { WithTenantOptions } from './with-tenant';
export { enterTenant, PINNED_SEARCH_PATH } from './enter-tenant';
export type { EnteredTenant, EnterTenantOptions, TenantContextStatus } from './enter-tenant';
export type { PgConnection, TenantConnection } from './connection';
export {
  developmentKeyFile,
  resolveTenantContextKey,
  TENANT_CONTEXT_KEY_VARIABLE,
  TenantContextKey,
  useTenantContextKey,
} from './context-key';
export { createTenantProof, DEFAULT_PROOF_LIFETIME_MS, PROOF_MAX_LIFETIME_MS, PROOF_VERSION } from './proof';
export type { TenantProofClaims } from './proof';
export { installTenantContextKey, listTenantContextKeys, retireTenantContextKey } from './key-store';
export type { InstalledKey, SqlRunner } from './key-store';
export { HARDENING_STEPS, hardeningScript, inspectHardening } from './database-hardening';
export type { HardeningOptions, HardeningState, HardeningStep } from './database-hardening';
export { PlatformOperations, withPlatformRole } from './platform-operations';
export type { SharedCiamSystem, TenantSummary, WithPlatformRoleOptions } from './platform-operations';
export { resolveLogin } from './resolve-login';
export type { ResolvedLogin } from './resolve-login';
