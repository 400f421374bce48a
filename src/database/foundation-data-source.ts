import { Client } from 'pg';
import { DataSource, DataSourceOptions, Migration } from 'typeorm';
import { CommandLogger } from './command-logger';
import { ConnectionSettings } from './connection-settings';
import { explainConnectionError } from './explain-connection-error';
import { reportFailure } from './failure-report';
import { wasInterrupted } from './interruption';
import { hideKnownHarmlessWarnings } from './known-warnings';
import { readSafetySettings } from './migration-safety/settings';
import { runMigrationsSafely } from './migration-safety/run-migrations';
import { revertMigrationsSafely } from './migration-safety/revert-migrations';
import { ALLOW_DATA_LOSS_VARIABLE } from './migration-safety/revert-guard';
import { backendPidsOf } from './typeorm-internals';

type MigrationOptions = { transaction?: 'all' | 'none' | 'each'; fake?: boolean };

/**
 * A TypeORM DataSource that knows where it connects and what it must clean up:
 * - a failure to connect becomes one line naming the server and the reason;
 * - an embedded server it was started with is released when the DataSource is destroyed (or
 *   fails to initialise): stopped by the last command using it, so commands exit promptly;
 * - running and reverting migrations take the migration lock, set the session timeouts,
 *   verify checksums, refuse partial schemas that differ and reverts that would drop rows
 *   (src/database/migration-safety). The TypeORM CLI calls these methods, so `typeorm
 *   migration:run` and `migration:revert` get the same safety;
 * - when the TypeORM CLI sets its query logging, a quiet logger takes its place: a progress
 *   line per migration instead of every statement (FOUNDATION_VERBOSE=1 for the statements);
 * - `exitOnFailure` (set by ormconfig.ts for the TypeORM CLI): a failing migration command
 *   reports in the project's words and ends the process with the exit-code table's code,
 *   instead of TypeORM's "Error during migration run:" and exit 1 for everything.
 */
export class FoundationDataSource extends DataSource {
  /** Duration in ms of each migration applied by this DataSource, for the progress lines. */
  readonly migrationDurations = new Map<string, number>();
  exitOnFailure = false;

  constructor(
    options: DataSourceOptions,
    readonly settings: ConnectionSettings,
    private readonly onDestroy?: () => Promise<void>,
  ) {
    super(options);
    hideKnownHarmlessWarnings();
  }

  /** Initialises once; later calls (the TypeORM CLI's, after ormconfig.ts connected) return it as is. */
  override async initialize(): Promise<this> {
    if (this.isInitialized) return this;
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

  /**
   * On Ctrl-C: ends this DataSource's sessions on the server at once (their transactions roll
   * back, the migration lock goes with them), then closes it. Disconnecting alone would leave a
   * running statement going on the server until it next writes to the socket.
   */
  async abandon(): Promise<void> {
    const pids = this.isInitialized ? backendPidsOf(this) : [];
    if (pids.length > 0) {
      const client = new Client({ connectionString: this.settings.url, connectionTimeoutMillis: 5_000, application_name: 'foundation-db interrupt' });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
      } catch {
        // The server is gone or refuses: the sessions end with this process anyway.
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    await this.destroy().catch(() => undefined);
  }

  override setOptions(options: Partial<DataSourceOptions>): this {
    // The TypeORM CLI's migration commands ask for ["query", "error", "schema"] logging; any
    // other logging an application asks for is left as asked.
    const logging = options.logging;
    if (Array.isArray(logging) && logging.includes('query') && logging.includes('schema') && options.logger === undefined) {
      return super.setOptions({ ...options, logger: new CommandLogger(this.migrationDurations) } as Partial<DataSourceOptions>);
    }
    return super.setOptions(options);
  }

  override async runMigrations(options: MigrationOptions = {}): Promise<Migration[]> {
    if (!this.isInitialized) return super.runMigrations(options); // TypeORM's "not connected" error
    try {
      return await runMigrationsSafely(this, options, readSafetySettings(), say, this.migrationDurations);
    } catch (error) {
      return this.fail(error);
    }
  }

  /**
   * Reverts the latest migration, honouring its `transaction = false` (TypeORM's own does not),
   * and refusing to drop rows unless MIGRATION_ALLOW_DATA_LOSS=1.
   */
  override async undoLastMigration(options: MigrationOptions = {}): Promise<void> {
    if (!this.isInitialized) return super.undoLastMigration(options);
    try {
      const allowDataLoss = ['1', 'true', 'yes'].includes((process.env[ALLOW_DATA_LOSS_VARIABLE] ?? '').trim().toLowerCase());
      const report = await revertMigrationsSafely(this, { count: 1, allowDataLoss, ...options }, readSafetySettings(), say);
      if (report.failed) throw report.failed.error;
      if (report.reverted.length === 0) this.logger.logSchemaBuild('No migrations were found in the database. Nothing to revert!');
    } catch (error) {
      return this.fail(error);
    }
  }

  override async showMigrations(): Promise<boolean> {
    try {
      return await super.showMigrations();
    } catch (error) {
      return this.fail(error);
    }
  }

  /** Rethrows (explained), or, for the TypeORM CLI, reports and exits with the table's code. */
  private async fail(error: unknown): Promise<never> {
    if (!this.exitOnFailure) throw explainConnectionError(error, this.settings, 'Lost the connection to');
    if (wasInterrupted()) return new Promise<never>(() => undefined); // the signal handler is exiting
    const { message, exitCode } = reportFailure(error, this.settings);
    process.stderr.write(`${message}\n`);
    await this.destroy().catch(() => undefined);
    process.exit(exitCode);
  }

  private async releaseServer(): Promise<void> {
    await this.onDestroy?.();
  }
}

/** Progress of the safety layer (lock waits, adoptions) goes to stderr, apart from any output. */
function say(line: string): void {
  process.stderr.write(`${line}\n`);
}
