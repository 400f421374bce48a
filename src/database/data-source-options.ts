import path from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { ConnectionSettings, DEFAULT_CONNECT_TIMEOUT_MS } from './connection-settings';
import { clientWithConnectTimeout } from './connect-timeout-client';
import { FoundationNamingStrategy } from './naming-strategy';

/** Name of TypeORM's migration bookkeeping table. */
export const MIGRATIONS_TABLE = 'schema_migrations';

/**
 * Migrations are found by file name, in the extension this file runs as: `.ts` under ts-node
 * and jest, `.js` once compiled, so both paths load the same classes and never each other's.
 */
export const MIGRATIONS_GLOB = path.join(__dirname, '..', 'migrations', `*${path.extname(__filename)}`);

export interface BuildOptions {
  /**
   * Load the entities (default). The migration commands (`migration:run`, `revert`, `show`)
   * never use them: without them a deploy loads neither the entity classes nor class-validator,
   * which is most of what set a `migration:run` process apart from stock TypeORM's.
   */
  entities?: boolean;
}

/** The project's DataSource options for one server. */
export function buildDataSourceOptions(settings: ConnectionSettings, { entities = true }: BuildOptions = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    applicationName: 'foundation-db',
    // pg waits forever by default for a server that accepts and never answers. Not through
    // connectTimeoutMS, which would also limit waiting for a free pooled connection.
    extra: { Client: clientWithConnectTimeout(settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS) },
    entities: entities ? loadEntities() : [],
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: MIGRATIONS_TABLE,
    // One transaction per migration, so a migration can opt out (transaction = false) to build
    // an index CONCURRENTLY, and a failure rolls back only that migration.
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    synchronize: false,
    // The migrations own every extension; TypeORM must not create uuid-ossp behind their back.
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    namingStrategy: new FoundationNamingStrategy(),
    // Off: TypeORM logs a failed query with its parameters, which can hold protected health
    // information. The CLI turns query logging on for migration commands, which carry none.
    logging: false,
  };
}

/** Required on demand, so that a DataSource without entities does not load them (see BuildOptions). */
function loadEntities(): DataSourceOptions['entities'] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../entities') as typeof import('../entities')).ENTITIES;
}
