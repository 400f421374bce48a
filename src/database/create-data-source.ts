import { BuildOptions, buildDataSourceOptions } from './data-source-options';
import { parseDatabaseUrl } from './connection-settings';
import { assertEmbeddedDefaultAllowed } from './deploy-target';
import { FoundationDataSource } from './foundation-data-source';

/** Database used on the embedded development server. */
export const EMBEDDED_DATABASE = 'foundation';

/**
 * The project's DataSource, not yet initialised.
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
  // Required here, not at the top: a deploy (DATABASE_URL set) never loads the embedded server's code.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startEmbeddedServer } = require('./embedded-server') as typeof import('./embedded-server');
  const server = await startEmbeddedServer({
    name: 'dev',
    database: EMBEDDED_DATABASE,
    rootDir: env.FOUNDATION_PGDATA_DIR || undefined,
  });
  return new FoundationDataSource(buildDataSourceOptions(server.settings, build), server.settings, server.stop);
}
