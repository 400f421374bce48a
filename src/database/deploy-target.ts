import path from 'node:path';
import { DatabaseConfigError } from './database-config-error';

/** Set to 1 to allow the embedded development server where it is refused by default. */
export const EMBEDDED_OPT_IN_VARIABLE = 'FOUNDATION_EMBEDDED';

/**
 * Why a command must not fall back to the embedded development server, or undefined when it
 * may. A deploy that forgot DATABASE_URL would otherwise start a private PostgreSQL, migrate
 * it, and exit 0 while the real database stays unmigrated. Refused when:
 * - the code runs compiled (dist/): that is the deploy path (docs/operations.md, Deploying);
 * - NODE_ENV=production;
 * - CI is set (CI=true): a pipeline should name its database; this repository's own CI, which
 *   does run the embedded server on purpose, says so with FOUNDATION_EMBEDDED=1.
 * `compiled` is whether this process runs the compiled JavaScript (passed in for tests).
 */
export function embeddedDefaultRefusal(env: NodeJS.ProcessEnv, compiled = isCompiled()): string | undefined {
  if (isTruthy(env[EMBEDDED_OPT_IN_VARIABLE])) return undefined;
  const reasons: string[] = [];
  if (compiled) reasons.push('this is the compiled deploy path (dist/)');
  if (env.NODE_ENV === 'production') reasons.push('NODE_ENV=production');
  if (isTruthy(env.CI)) reasons.push(`CI=${env.CI}`);
  if (reasons.length === 0) return undefined;
  return (
    `DATABASE_URL is not set and ${reasons.join(' and ')}: refusing to start the embedded development PostgreSQL. ` +
    `Set DATABASE_URL=postgres://user:password@host:5432/database to name the database to use ` +
    `(or ${EMBEDDED_OPT_IN_VARIABLE}=1 to use the embedded server on purpose, for development or CI tooling)`
  );
}

export function assertEmbeddedDefaultAllowed(env: NodeJS.ProcessEnv): void {
  const refusal = embeddedDefaultRefusal(env);
  if (refusal) throw new DatabaseConfigError(refusal);
}

/** True when this module runs as compiled JavaScript rather than TypeScript (ts-node, jest). */
export function isCompiled(): boolean {
  return path.extname(__filename) === '.js';
}

function isTruthy(value: string | undefined): boolean {
  if (value === undefined) return false;
  const normalised = value.trim().toLowerCase();
  return normalised !== '' && normalised !== '0' && normalised !== 'false' && normalised !== 'no';
}
