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
}

const DEFAULT_PORT = 5432;

/**
 * Validates and reads a `postgres://` URL. pg itself accepts almost any string and fails
 * later with an unrelated message, so a malformed URL is rejected here, naming what is wrong.
 * The password never appears in the error.
 */
export function parseDatabaseUrl(raw: string): ConnectionSettings {
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
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) {
    throw new DatabaseConfigError(
      'DATABASE_URL must name exactly one database in its path, as in postgres://user@host:5432/database',
    );
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    username: decodeURIComponent(url.username) || 'postgres',
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database,
    url: raw,
  };
}

/** The same settings as a URL, for child processes and tools such as psql. */
export function toDatabaseUrl(settings: Omit<ConnectionSettings, 'url'>, database = settings.database): string {
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
