import { DataSource, DataSourceOptions, Migration } from 'typeorm';
import { ConnectionSettings } from './connection-settings';
import { explainConnectionError } from './explain-connection-error';
import { hideKnownHarmlessWarnings } from './known-warnings';
import { readSafetySettings } from './migration-safety/settings';
import { runMigrationsSafely } from './migration-safety/run-migrations';
import { revertMigrationsSafely } from './migration-safety/revert-migrations';

type MigrationOptions = { transaction?: 'all' | 'none' | 'each'; fake?: boolean };

/**
 * A TypeORM DataSource that knows where it connects and what it must clean up:
 * - a failure to connect becomes one line naming the server and the reason;
 * - an embedded server it was started with stops when the DataSource is destroyed (or fails
 *   to initialise), so every CLI command exits promptly and leaves no server running;
 * - running and reverting migrations take the migration lock, set the session timeouts and
 *   verify checksums (src/database/migration-safety). The TypeORM CLI calls these two
 *   methods, so `typeorm migration:run` and `migration:revert` get the same safety.
 */
export class FoundationDataSource extends DataSource {
  constructor(
    options: DataSourceOptions,
    readonly settings: ConnectionSettings,
    private readonly onDestroy?: () => Promise<void>,
  ) {
    super(options);
    hideKnownHarmlessWarnings();
  }

  override async initialize(): Promise<this> {
    try {
      return await super.initialize();
    } catch (error) {
      await this.releaseServer();
      throw explainConnectionError(error, this.settings);
    }
  }

  override async destroy(): Promise<void> {
    try {
      if (this.isInitialized) await super.destroy();
    } finally {
      await this.releaseServer();
    }
  }

  override async runMigrations(options: MigrationOptions = {}): Promise<Migration[]> {
    if (!this.isInitialized) return super.runMigrations(options); // TypeORM's "not connected" error
    return runMigrationsSafely(this, options, readSafetySettings(), say);
  }

  /** Reverts the latest migration, honouring its `transaction = false` (TypeORM's own does not). */
  override async undoLastMigration(options: MigrationOptions = {}): Promise<void> {
    if (!this.isInitialized) return super.undoLastMigration(options);
    const report = await revertMigrationsSafely(this, { count: 1, ...options }, readSafetySettings(), say);
    if (report.failed) throw report.failed.error;
    if (report.reverted.length === 0) this.logger.logSchemaBuild('No migrations were found in the database. Nothing to revert!');
  }

  private async releaseServer(): Promise<void> {
    await this.onDestroy?.();
  }
}

/** Progress of the safety layer (lock waits, adoptions) goes to stderr, apart from any output. */
function say(line: string): void {
  process.stderr.write(`${line}\n`);
}
