import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { projectRoot } from '../project-root';
import { TenantContextError } from './errors';
import { createFileOnce } from '../create-file-once';

/** Environment variable holding the application's key: `<key id>:<secret, base64>`. */
export const TENANT_CONTEXT_KEY_VARIABLE = 'FOUNDATION_TENANT_CONTEXT_KEY';

const KEY_ID = /^[A-Za-z0-9_-]{1,40}$/;
const MIN_SECRET_BYTES = 32;
const MAX_SECRET_BYTES = 64;

/**
 * The secret the application signs tenant proofs with, and the id the database knows it by.
 * The secret cannot be read back from the object: it does not show in `console.log`, JSON or
 * error messages, only `sign()` uses it.
 */
export class TenantContextKey {
  readonly #secret: Buffer;

  constructor(
    readonly id: string,
    secret: Buffer,
  ) {
    if (!KEY_ID.test(id)) throw new TenantContextError(`Tenant-context key id ${JSON.stringify(id)} must be 1 to 40 letters, digits, - or _`);
    if (secret.length < MIN_SECRET_BYTES || secret.length > MAX_SECRET_BYTES) {
      throw new TenantContextError(`Tenant-context key "${id}": the secret must be ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, not ${secret.length}`);
    }
    this.#secret = Buffer.from(secret);
  }

  /** A new random 32-byte key. */
  static generate(id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`): TenantContextKey {
    return new TenantContextKey(id, randomBytes(MIN_SECRET_BYTES));
  }

  /** Reads `<key id>:<secret>`, the secret in base64 or base64url. */
  static parse(text: string, source = TENANT_CONTEXT_KEY_VARIABLE): TenantContextKey {
    const separator = text.trim().indexOf(':');
    if (separator < 1) throw new TenantContextError(`${source} must be "<key id>:<secret in base64>" (npm run tenant-context -- generate-key)`);
    const trimmed = text.trim();
    return new TenantContextKey(trimmed.slice(0, separator), Buffer.from(trimmed.slice(separator + 1), 'base64'));
  }

  /** `<key id>:<secret in base64url>`: the form of the environment variable and the key file. */
  format(): string {
    return `${this.id}:${this.#secret.toString('base64url')}`;
  }

  /** Hands the secret to `use` (HMAC, or installing it through a bind parameter), never to a caller that keeps it. */
  withSecret<T>(use: (secret: Buffer) => T): T {
    return use(this.#secret);
  }

  toJSON(): { id: string } {
    return { id: this.id };
  }

  [inspect.custom](): string {
    return `TenantContextKey { id: '${this.id}', secret: <hidden> }`;
  }
}

let configured: TenantContextKey | undefined;

/** Sets the key `withTenant` uses when its options name none (for keys loaded from a secret store). */
export function useTenantContextKey(key: TenantContextKey | undefined): void {
  configured = key;
}

/** The key file for development and tests: in the git-ignored data folder, next to the embedded clusters. */
export function developmentKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.FOUNDATION_PGDATA_DIR || path.join(projectRoot(), '.pgdata'), 'tenant-context.key');
}

const parsedFromEnvironment = new Map<string, TenantContextKey>();

/**
 * The key to sign with: the one set by `useTenantContextKey`, else FOUNDATION_TENANT_CONTEXT_KEY,
 * else (never with NODE_ENV=production) the development key file, created on first use.
 */
export function resolveTenantContextKey(env: NodeJS.ProcessEnv = process.env): TenantContextKey {
  if (configured) return configured;
  const value = env[TENANT_CONTEXT_KEY_VARIABLE]?.trim();
  if (value) {
    let key = parsedFromEnvironment.get(value);
    if (!key) parsedFromEnvironment.set(value, (key = TenantContextKey.parse(value)));
    return key;
  }
  if (env.NODE_ENV === 'production') {
    throw new TenantContextError(
      `${TENANT_CONTEXT_KEY_VARIABLE} is not set: in production the tenant-context key comes from the application's configuration ` +
        `(npm run tenant-context -- generate-key makes one; docs/tenancy.md)`,
    );
  }
  return readOrCreateDevelopmentKey(developmentKeyFile(env));
}

const developmentKeys = new Map<string, TenantContextKey>();

/**
 * Reads the development key file, or creates it (mode 0600; createFileOnce: processes started
 * at once agree on one key, and a reader never sees half of it).
 */
export function readOrCreateDevelopmentKey(file: string): TenantContextKey {
  const cached = developmentKeys.get(file);
  if (cached) return cached;
  if (!existsSync(file)) mkdirSync(path.dirname(file), { recursive: true });
  createFileOnce(file, `${TenantContextKey.generate(`dev-${randomBytes(4).toString('hex')}`).format()}\n`);
  const key = TenantContextKey.parse(readFileSync(file, 'utf8'), file);
  developmentKeys.set(file, key);
  return key;
}
