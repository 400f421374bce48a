import { DataSource } from 'typeorm';
import { parseDatabaseUrl } from './connection-settings';
import { DatabaseConfigError } from './database-config-error';
import { dataSourceFor } from './data-sources';
import { roleNameToAssume } from './tenant-context/roles';

/** The role the application's sessions run as unless told otherwise (docs/tenancy.md, "The grant recipe"). */
export const DEFAULT_APPLICATION_ROLE = 'foundation_app';

export interface ApplicationDataSourceOptions {
  /**
   * The application's login, `postgres://app_login:password@host:5432/app`. Required: this
   * factory never falls back to the embedded development server.
   */
  url: string;
  /**
   * The role every session of the pool runs as, set when the connection opens (libpq's
   * `options=-c role=...`): `foundation_app` by default. The login must have been granted it
   * (the grant recipe); the server refuses the connection otherwise. `null` keeps the login
   * role itself (a login that inherits foundation_app). `withTenant` still checks, on each
   * connection, that the role in effect is bound by row-level security.
   */
  appRole?: string | null;
  /** Most connections the pool opens; TypeORM's (pg's) default is 10. */
  poolSize?: number;
  /** How long an idle pooled connection stays open, in ms; pg's default is 10,000. */
  idleTimeoutMs?: number;
  /** How long to wait for the server to accept a connection, in ms; the URL's connect_timeout, else 10,000. */
  connectTimeoutMs?: number;
  /** Server-side limit on any one statement, in ms (`statement_timeout`); none by default. */
  statementTimeoutMs?: number;
  /** Shown in pg_stat_activity; `foundation-db app` by default. */
  applicationName?: string;
}

/**
 * The application service's DataSource: the project's entities and naming strategy on the
 * application's own login, not initialised. Unlike the command-line DataSource (ormconfig.ts) it
 * never starts an embedded server, has no migrations (the deploy runs them as the schema owner)
 * and logs nothing (queries can carry PHI). Use it with `withTenant`:
 *
 *     const db = createApplicationDataSource({ url: process.env.DATABASE_URL!, poolSize: 20 });
 *     await db.initialize();
 *     await withTenant(db, tenantId, (manager) => manager.find(Client));
 */
export function createApplicationDataSource(options: ApplicationDataSourceOptions): DataSource {
  const raw = typeof options?.url === 'string' ? options.url.trim() : '';
  if (!raw) {
    throw new DatabaseConfigError(
      'createApplicationDataSource needs { url: "postgres://app_login:password@host:5432/database" }; ' +
        'it never starts the embedded development server',
    );
  }
  const settings = parseDatabaseUrl(raw, {});
  if (options.connectTimeoutMs !== undefined) settings.connectTimeoutMs = nonNegative('connectTimeoutMs', options.connectTimeoutMs);
  const role = options.appRole === null ? undefined : roleNameToAssume(options.appRole ?? DEFAULT_APPLICATION_ROLE, 'appRole');
  const startup: string[] = [];
  if (role) startup.push(`-c role=${role}`);
  if (options.statementTimeoutMs !== undefined) startup.push(`-c statement_timeout=${nonNegative('statementTimeoutMs', options.statementTimeoutMs)}`);
  return dataSourceFor(settings, {
    migrations: [],
    applicationName: options.applicationName ?? 'foundation-db app',
    ...(options.poolSize !== undefined ? { poolSize: positive('poolSize', options.poolSize) } : {}),
    extra: {
      ...(startup.length > 0 ? { options: startup.join(' ') } : {}),
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMillis: nonNegative('idleTimeoutMs', options.idleTimeoutMs) } : {}),
    },
  });
}

function nonNegative(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new DatabaseConfigError(`${name} must be a whole number of milliseconds (0 or more), not ${value}`);
  return value;
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new DatabaseConfigError(`${name} must be a whole number of 1 or more, not ${value}`);
  return value;
}
