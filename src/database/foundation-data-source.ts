import { DataSource, DataSourceOptions } from 'typeorm';
import { ConnectionSettings } from './connection-settings';
import { explainConnectionError } from './explain-connection-error';
import { hideKnownHarmlessWarnings } from './known-warnings';

/**
 * A TypeORM DataSource that knows where it connects and what it must clean up:
 * - a failure to connect becomes one line naming the server and the reason;
 * - an embedded server it was started with stops when the DataSource is destroyed (or fails
 *   to initialise), so every CLI command exits promptly and leaves no server running.
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

  private async releaseServer(): Promise<void> {
    await this.onDestroy?.();
  }
}
