import { DataSource, DataSourceOptions } from 'typeorm';
import { ConnectionSettings } from './connection-settings';
import { buildDataSourceOptions } from './data-source-options';
import { FoundationDataSource } from './foundation-data-source';

/** TypeORM's options for PostgreSQL. */
type PostgresConnectionOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

/** What a caller may change in the project's options: pool size, logging, migrations... */
export type DataSourceOverrides = Partial<Omit<PostgresConnectionOptions, 'type' | 'url' | 'entities' | 'namingStrategy'>>;

/**
 * The place that builds DataSources on known connection settings, so every one sees the same
 * entities, naming strategy and connect timeout. `extra` is merged, so the connect-timeout
 * Client stays unless replaced on purpose. Where the settings come from the environment (the
 * command line), createDataSource (create-data-source.ts); for an application,
 * createApplicationDataSource (application-data-source.ts), which builds on dataSourceFor.
 */
function optionsFor(settings: ConnectionSettings, overrides: DataSourceOverrides): DataSourceOptions {
  const base = buildDataSourceOptions(settings) as PostgresConnectionOptions;
  return { ...base, ...overrides, extra: { ...base.extra, ...overrides.extra } } as DataSourceOptions;
}

/** A plain TypeORM DataSource on `settings` with the project's options and `overrides`, not initialised. */
export function dataSourceFor(settings: ConnectionSettings, overrides: DataSourceOverrides = {}): DataSource {
  return new DataSource(optionsFor(settings, overrides));
}

/**
 * A FoundationDataSource (the migration safety, explained connection errors) on `settings`, not
 * initialised: for the schema tools, the migration runner and tests that migrate.
 */
export function foundationDataSourceFor(settings: ConnectionSettings, overrides: DataSourceOverrides = {}): FoundationDataSource {
  return new FoundationDataSource(optionsFor(settings, overrides), settings);
}
