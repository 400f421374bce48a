export { TenantContextError, UnknownTenantError } from './errors';
export { APP_ROLE_VARIABLE, DEFAULT_PLATFORM_ROLE, PLATFORM_ROLE_VARIABLE } from './roles';
export { withTenant } from './with-tenant';
export type { WithTenantOptions } from './with-tenant';
export { PlatformOperations, withPlatformRole } from './platform-operations';
export type { TenantSummary, WithPlatformRoleOptions } from './platform-operations';
export { resolveLogin } from './resolve-login';
export type { ResolvedLogin } from './resolve-login';
