import { recordMigrationEvent } from '../../audit/migration-events';
import { applierDescription } from './session';
import { DataSource, MigrationInterface } from 'typeorm';
import { migrationNameOf } from './checksums';
import { EXIT, MigrationSafetyError } from './errors';
import { explainMigrationError } from './explain-migration-error';
import { withGuardedSession } from './guarded-session';
import { migrationsTableName } from './migrations-table';
import { dataAtRisk, dataLossRefusal } from './revert-guard';
import { MigrationSafetySettings } from './settings';

export interface RevertOptions {
  /** Revert this many of the latest applied migrations (default 1). */
  count?: number;
  /** Revert every migration applied after this one; it stays applied. */
  to?: string;
  /** 'none' runs every `down` without a transaction; otherwise one transaction per migration. */
  transaction?: 'all' | 'none' | 'each';
  fake?: boolean;
  /** Revert even when a `down` would drop a table or column holding rows (revert-guard.ts). */
  allowDataLoss?: boolean;
}

export interface RevertReport {
  /** Reverted, in the order they were reverted (latest first). */
  reverted: string[];
  /**
   * The migration whose `down` failed, and why; it is still recorded as applied. `rolledBack`
   * says whether its `down` ran in a transaction that was rolled back (false for a migration
   * with `transaction = false`, or with transaction 'none': part of its `down` may have run).
   */
  failed?: { name: string; error: unknown; rolledBack: boolean };
  /** Asked for but not reverted because an earlier revert failed. */
  notReverted: string[];
}

/**
 * Reverts several migrations in one command, latest first, each in its own transaction (or
 * none when the migration says `transaction = false`, which TypeORM's own revert ignores),
 * under the migration lock and the session timeouts. Stops at the first failure and reports
 * what was and was not reverted; it throws only for requests it cannot start on.
 */
export async function revertMigrationsSafely(
  dataSource: DataSource,
  options: RevertOptions,
  settings: MigrationSafetySettings,
  say: (line: string) => void,
): Promise<RevertReport> {
  return withGuardedSession(dataSource, settings, say, async ({ runner, applied }) => {
    const latestFirst = [...applied].reverse();
    let targets = latestFirst;
    if (options.to !== undefined) {
      const index = latestFirst.findIndex((row) => row.name === options.to);
      if (index < 0) {
        throw new MigrationSafetyError(`Cannot revert to ${options.to}: it is not an applied migration`, EXIT.failed);
      }
      targets = latestFirst.slice(0, index);
    } else {
      const count = options.count ?? 1;
      if (!Number.isInteger(count) || count < 1) {
        throw new MigrationSafetyError(`Cannot revert ${count} migrations: the count must be a whole number of at least 1`, EXIT.failed);
      }
      targets = latestFirst.slice(0, count);
    }

    const byName = new Map<string, MigrationInterface>(dataSource.migrations.map((m) => [migrationNameOf(m), m]));
    const missing = targets.filter((row) => !byName.has(row.name)).map((row) => row.name);
    if (missing.length > 0) {
      throw new MigrationSafetyError(
        `Cannot revert ${missing.join(', ')}: no migration class by that name is in the code this command loaded`,
        EXIT.unknownApplied,
      );
    }

    // Before anything is reverted: refuse if any of them would drop rows (all or nothing).
    if (!options.fake && !options.allowDataLoss) {
      const risks = await dataAtRisk(dataSource, runner, targets.map((row) => byName.get(row.name)!));
      if (risks.length > 0) throw dataLossRefusal(risks);
    }

    const table = migrationsTableName(dataSource);
    const report: RevertReport = { reverted: [], notReverted: [] };
    for (const [position, row] of targets.entries()) {
      const migration = byName.get(row.name)!;
      const inTransaction = options.transaction !== 'none' && migration.transaction !== false;
      try {
        if (inTransaction) await runner.startTransaction();
        if (!options.fake) {
          try {
            await migration.down(runner);
          } catch (error) {
            throw explainMigrationError(error, row.name, 'down', settings, inTransaction);
          }
        }
        await runner.query(`DELETE FROM "${table}" WHERE id = $1`, [row.id]);
        // In the same transaction: nothing when this revert removed the system audit log itself.
        await recordMigrationEvent(runner.manager, { action: 'revert', name: row.name, checksum: row.checksum, actor: applierDescription(), details: { fake: Boolean(options.fake) } });
        if (inTransaction) await runner.commitTransaction();
        report.reverted.push(row.name);
        say(`Migration ${row.name} has been ${options.fake ? '(fake) ' : ''}reverted.`);
      } catch (error) {
        if (runner.isTransactionActive) {
          try {
            await runner.rollbackTransaction();
          } catch {
            // The original error is the one worth reporting.
          }
        }
        report.failed = { name: row.name, error, rolledBack: inTransaction };
        report.notReverted = targets.slice(position + 1).map((later) => later.name);
        break;
      }
    }
    return report;
  });
}
