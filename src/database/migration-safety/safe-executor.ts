import { DataSource, Migration, MigrationExecutor, MigrationInterface, QueryRunner } from 'typeorm';
import { explainMigrationError } from './explain-migration-error';
import { migrationsTableName } from './migrations-table';
import { applierDescription } from './session';
import { MigrationSafetySettings } from './settings';

/**
 * TypeORM's own migration executor (its pending-migration logic, transaction modes, per-
 * migration `transaction = false`, `--fake` and log lines stay TypeORM's) with two changes:
 * - each migration's `up` is timed and its timeout errors are explained;
 * - the row it inserts into the migrations table also records the checksum, when, how long
 *   and by whom, in the same transaction as the migration.
 */
export class SafeMigrationExecutor extends MigrationExecutor {
  private readonly durations = new Map<string, number>();

  constructor(
    dataSource: DataSource,
    queryRunner: QueryRunner,
    private readonly checksums: Map<string, string>,
    private readonly settings: MigrationSafetySettings,
  ) {
    super(dataSource, queryRunner);
  }

  protected override getMigrations(): Migration[] {
    return super.getMigrations().map((migration) => {
      const original = migration.instance;
      if (original) migration.instance = this.timed(migration.name, original);
      return migration;
    });
  }

  /** A stand-in that delegates everything to the migration, timing `up` and explaining its errors. */
  private timed(name: string, original: MigrationInterface): MigrationInterface {
    const wrapper = Object.create(original) as MigrationInterface;
    wrapper.up = async (queryRunner: QueryRunner) => {
      const started = process.hrtime.bigint();
      try {
        await original.up(queryRunner);
      } catch (error) {
        throw explainMigrationError(error, name, 'up', this.settings);
      }
      this.durations.set(name, Number((process.hrtime.bigint() - started) / 1_000_000n));
    };
    return wrapper;
  }

  protected override async insertExecutedMigration(queryRunner: QueryRunner, migration: Migration): Promise<void> {
    const table = migrationsTableName(this.dataSource);
    await queryRunner.query(
      `INSERT INTO "${table}" ("timestamp", name, checksum, applied_at, duration_ms, applied_by)
       VALUES ($1, $2, $3, clock_timestamp(), $4, current_user || ' on ' || $5)`,
      [migration.timestamp, migration.name, this.checksums.get(migration.name) ?? null, this.durations.get(migration.name) ?? null, applierDescription()],
    );
  }
}
