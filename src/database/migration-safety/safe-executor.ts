import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { migrationEventRecorder } from '../../audit/migration-events';
import { HookedMigrationExecutor } from '../typeorm-internals';
import { explainMigrationError } from './explain-migration-error';
import { migrationsTableName } from './migrations-table';
import { applierDescription } from './session';
import { MigrationSafetySettings } from './settings';

/**
 * TypeORM's own migration executor (its pending-migration logic, transaction modes, per-
 * migration `transaction = false`, `--fake` and log lines stay TypeORM's) with two changes:
 * - each migration's `up` is timed and its timeout errors are explained;
 * - the row it inserts into the migrations table also records the checksum, when, how long
 *   and by whom, in the same transaction as the migration;
 * - so does the system audit log (`migration.run`, from CreateSystemAuditLog1754250060000 on).
 */
export class SafeMigrationExecutor extends HookedMigrationExecutor {
  /** Asks whether the system audit log exists until it does, then no more (one query per migration saved). */
  private readonly recordMigrationEvent = migrationEventRecorder();

  constructor(
    dataSource: DataSource,
    queryRunner: QueryRunner,
    private readonly checksums: Map<string, string>,
    private readonly settings: MigrationSafetySettings,
    /** Filled with each applied migration's duration in ms (the progress lines read it). */
    private readonly durations: Map<string, number> = new Map(),
  ) {
    super(dataSource, queryRunner);
  }

  /** A stand-in that delegates everything to the migration, timing `up` and explaining its errors. */
  protected override wrapMigration(name: string, original: MigrationInterface): MigrationInterface {
    const wrapper = Object.create(original) as MigrationInterface;
    wrapper.up = async (queryRunner: QueryRunner) => {
      const started = process.hrtime.bigint();
      try {
        await original.up(queryRunner);
      } catch (error) {
        throw explainMigrationError(error, name, 'up', this.settings, this.transaction !== 'none' && original.transaction !== false);
      }
      this.durations.set(name, Number((process.hrtime.bigint() - started) / 1_000_000n));
    };
    return wrapper;
  }

  protected override async recordAppliedMigration(queryRunner: QueryRunner, migration: { name: string; timestamp: number }): Promise<void> {
    const table = migrationsTableName(this.dataSource);
    await queryRunner.query(
      `INSERT INTO "${table}" ("timestamp", name, checksum, applied_at, duration_ms, applied_by)
       VALUES ($1, $2, $3, clock_timestamp(), $4, current_user || ' on ' || $5)`,
      [migration.timestamp, migration.name, this.checksums.get(migration.name) ?? null, this.durations.get(migration.name) ?? null, applierDescription()],
    );
    await this.recordMigrationEvent(queryRunner.manager, {
      action: 'run',
      name: migration.name,
      checksum: this.checksums.get(migration.name) ?? null,
      actor: applierDescription(),
      details: { durationMs: this.durations.get(migration.name) ?? null, fake: this.fake },
    });
  }
}
