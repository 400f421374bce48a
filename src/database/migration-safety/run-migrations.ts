import { DataSource, Migration } from 'typeorm';
import { withGuardedSession } from './guarded-session';
import { guardPartialSchema } from './partial-schema';
import { SafeMigrationExecutor } from './safe-executor';
import { MigrationSafetySettings } from './settings';

export interface RunOptions {
  transaction?: 'all' | 'none' | 'each';
  fake?: boolean;
}

/**
 * `migration:run` with the safety around it: under the migration lock, with the session
 * timeouts, after verifying checksums and checking that no object the pending migrations
 * create exists in another shape; TypeORM's executor does the running. A process that
 * waited for the lock finds what the other one applied already recorded, so it applies only
 * what is still pending (usually nothing).
 */
export async function runMigrationsSafely(
  dataSource: DataSource,
  options: RunOptions,
  settings: MigrationSafetySettings,
  say: (line: string) => void,
  durations: Map<string, number> = new Map(),
): Promise<Migration[]> {
  return withGuardedSession(dataSource, settings, say, async ({ runner, applied, checksums }) => {
    // Objects of ours that exist already must be what the migrations would make (a no-op
    // when nothing is pending; one catalog query in the common case).
    if (!options.fake) await guardPartialSchema(dataSource, runner, new Set(applied.map((row) => row.name)), say);
    const executor = new SafeMigrationExecutor(dataSource, runner, checksums.current, settings, durations);
    executor.transaction = options.transaction ?? dataSource.options.migrationsTransactionMode ?? 'all';
    executor.fake = options.fake ?? false;
    return executor.executePendingMigrations();
  });
}
