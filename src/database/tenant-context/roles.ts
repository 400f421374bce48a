import { TenantContextError } from './errors';

/** Environment variable naming the role `withTenant` assumes (`SET LOCAL ROLE`), if any. */
export const APP_ROLE_VARIABLE = 'DATABASE_APP_ROLE';
/** Environment variable naming the role `withPlatformRole` assumes; `foundation_platform` when unset. */
export const PLATFORM_ROLE_VARIABLE = 'DATABASE_PLATFORM_ROLE';
export const DEFAULT_PLATFORM_ROLE = 'foundation_platform';

/**
 * The role to assume, as a plain (validated, unquoted) name, or undefined for none. `null` in the
 * options means "do not switch" even when the environment names a role; undefined falls back to
 * the environment, then to `fallback`.
 */
export function roleNameToAssume(
  option: string | null | undefined,
  variable: string,
  fallback?: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const role = option === null ? undefined : (option ?? (env[variable]?.trim() || fallback));
  if (role === undefined) return undefined;
  if (!/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(role)) {
    throw new TenantContextError(`${variable}: ${JSON.stringify(role)} is not a plain role name`);
  }
  return role;
}

/** As roleNameToAssume, quoted for SQL text (`SET LOCAL ROLE "name"`). */
export function roleToAssume(
  option: string | null | undefined,
  variable: string,
  fallback?: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const role = roleNameToAssume(option, variable, fallback, env);
  return role === undefined ? undefined : `"${role}"`;
}
