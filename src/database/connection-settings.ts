import { DatabaseConfigError } from './database-config-error';

/** Where a DataSource connects: enough to build TypeORM options and to explain a failure. */
export interface ConnectionSettings {
  host: string;
  port: number;
  username: string;
  password?: string;
  database: string;
  /** The original URL, handed to pg as is so that its query parameters (sslmode...) keep working. */
  url: string;
  /**
   * How long to wait for the server to accept the connection and authenticate, in
   * milliseconds: the URL's `connect_timeout` (seconds, as libpq reads it), else
   * DATABASE_CONNECT_TIMEOUT, else DEFAULT_CONNECT_TIMEOUT_MS. 0 waits forever. pg itself
   * ignores `connect_timeout` in a URL, so it is read here and handed over as
   * connectionTimeoutMillis.
   */
  connectTimeoutMs?: number;
}

const DEFAULT_PORT = 5432;

/**
 * A host that accepts the TCP connection and never answers (a half-open load balancer, a
 * firewall that swallows packets, the wrong service) would otherwise hang a deploy forever.
 * 10 s is long for a database that answers and short for a deploy job's patience.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const CONNECT_TIMEOUT_VARIABLE = 'DATABASE_CONNECT_TIMEOUT';

/**
 * Validates and reads a `postgres://` URL. pg itself accepts almost any string and fails
 * later with an unrelated message, so a malformed URL is rejected here, naming what is wrong.
 * The password never appears in the error.
 */
export function parseDatabaseUrl(raw: string, env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DatabaseConfigError(
      'DATABASE_URL is not a valid URL; expected postgres://user:password@host:port/database',
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new DatabaseConfigError(
      `DATABASE_URL must start with postgres:// or postgresql://, not ${url.protocol}//`,
    );
  }
  if (!url.hostname) {
    throw new DatabaseConfigError('DATABASE_URL has no host; expected postgres://user@host:port/database');
  }
  const port = url.port === '' ? DEFAULT_PORT : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const where = `${host}:${port}`;
  // A `%` that does not start a percent-escape (a password with a raw %) makes decoding throw
  // a URIError, which pg would print as a stack trace. Say which part is wrong, never its value.
  const decode = (part: string, text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      throw new DatabaseConfigError(
        `DATABASE_URL for ${where}: the ${part} is not valid percent-encoding (a % must start an escape such as %25); ` +
          `percent-encode special characters in it, e.g. with encodeURIComponent`,
      );
    }
  };
  const database = decode('database name', url.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) {
    throw new DatabaseConfigError(
      'DATABASE_URL must name exactly one database in its path, as in postgres://user@host:5432/database',
    );
  }
  return {
    host,
    port,
    username: decode('user name', url.username) || 'postgres',
    password: url.password ? decode('password', url.password) : undefined,
    database,
    url: raw,
    connectTimeoutMs: readConnectTimeout(url, where, env),
  };
}

/** The URL's connect_timeout (seconds), else DATABASE_CONNECT_TIMEOUT, else the default. */
function readConnectTimeout(url: URL, where: string, env: NodeJS.ProcessEnv): number {
  const fromUrl = url.searchParams.get('connect_timeout');
  if (fromUrl !== null) {
    const seconds = Number(fromUrl);
    if (fromUrl.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
      throw new DatabaseConfigError(`DATABASE_URL for ${where}: connect_timeout=${fromUrl} is not a number of seconds`);
    }
    return Math.round(seconds * 1000);
  }
  return readDurationVariable(env, CONNECT_TIMEOUT_VARIABLE, DEFAULT_CONNECT_TIMEOUT_MS);
}

const UNITS: Record<string, number> = { '': 1, ms: 1, s: 1000, min: 60_000, h: 3_600_000 };

/**
 * A duration from the environment: milliseconds as a number, or a number with a unit (`500ms`,
 * `5s`, `2min`, PostgreSQL's own spelling); `0` for no limit.
 */
export function readDurationVariable(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|min|h)?$/.exec(raw);
  if (!match) {
    throw new DatabaseConfigError(`${name}="${raw}" is not a duration; use milliseconds or a unit, as in 500ms, 5s, 2min`);
  }
  return Math.round(Number(match[1]) * UNITS[match[2] ?? '']!);
}

/** The same settings as a URL, for child processes and tools such as psql. */
export function toDatabaseUrl(settings: Omit<ConnectionSettings, 'url' | 'connectTimeoutMs'>, database = settings.database): string {
  const credentials = settings.password
    ? `${encodeURIComponent(settings.username)}:${encodeURIComponent(settings.password)}`
    : encodeURIComponent(settings.username);
  return `postgres://${credentials}@${settings.host}:${settings.port}/${encodeURIComponent(database)}`;
}

/** The settings pointed at another database on the same server. */
export function withDatabase(settings: ConnectionSettings, database: string): ConnectionSettings {
  return { ...settings, database, url: replaceUrlDatabase(settings.url, database) };
}

function replaceUrlDatabase(raw: string, database: string): string {
  const url = new URL(raw);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}
