import { DataSource, Migration } from 'typeorm';
import { withGuardedSession } from './guarded-session';
import { SafeMigrationExecutor } from './safe-executor';
import { MigrationSafetySettings } from './settings';

export interface RunOptions {
  transaction?: 'all' | 'none' | 'each';
  fake?: boolean;
}

/**
 * `migration:run` with the safety around it: under the migration lock, with the session
 * timeouts, after verifying checksums; TypeORM's executor does the running. A process that
 * waited for the lock finds what the other one applied already recorded, so it applies only
 * what is still pending (usually nothing).
 */
export async function runMigrationsSafely(
  dataSource: DataSource,
  options: RunOptions,
  settings: MigrationSafetySettings,
  say: (line: string) => void,
): Promise<Migration[]> {
  return withGuardedSession(dataSource, settings, say, async ({ runner, checksums }) => {
    const executor = new SafeMigrationExecutor(dataSource, runner, checksums.current, settings);
    executor.transaction = options.transaction ?? dataSource.options.migrationsTransactionMode ?? 'all';
    executor.fake = options.fake ?? false;
    return executor.executePendingMigrations();
  });
}
