import { MigrationInterface, QueryRunner } from 'typeorm';
import { loadMigrations } from '../../src/schema/load-migrations';
import { lintMigrations, LintViolation } from '../../src/schema/migration-lint';

/** A migration made of the given SQL, for feeding the linter. */
function migrationOf(name: string, up: string[], down: string[] = [], transaction?: false): MigrationInterface {
  return {
    name,
    transaction,
    async up(runner: QueryRunner) {
      for (const sql of up) await runner.query(sql);
    },
    async down(runner: QueryRunner) {
      for (const sql of down) await runner.query(sql);
    },
  } as MigrationInterface;
}

const rulesOf = (violations: LintViolation[], migration: string) =>
  violations.filter((v) => v.migration === migration).map((v) => `${v.direction} ${v.rule}`);

describe('migration:lint (squawk over recorded migration SQL)', () => {
  it("passes the project's own migrations", async () => {
    const migrations = loadMigrations().map((m) => m.instance);
    expect(migrations.length).toBeGreaterThanOrEqual(5);
    expect(await lintMigrations(migrations, { pgVersion: '15' })).toEqual([]);
  });

  it('reports each known-dangerous change on an existing table, naming migration, direction and rule', async () => {
    const violations = await lintMigrations(
      [
        migrationOf('IndexWithoutConcurrently1', ['CREATE INDEX IF NOT EXISTS ix_clients_last_name ON clients (last_name)'], [
          'DROP INDEX IF EXISTS ix_clients_last_name',
        ]),
        migrationOf('ForeignKeyWithoutNotValid2', [
          'ALTER TABLE clients ADD CONSTRAINT fk_clients_user_id FOREIGN KEY (tenant_id, facility_id) REFERENCES facilities (tenant_id, id)',
        ]),
        migrationOf('ColumnTypeChange3', ['ALTER TABLE facilities ALTER COLUMN capacity TYPE bigint']),
      ],
      { pgVersion: '15' },
    );
    expect(rulesOf(violations, 'IndexWithoutConcurrently1')).toContain('up require-concurrent-index-creation');
    // Dropping an index in `down` is allowed: it removes what `up` just made.
    expect(rulesOf(violations, 'IndexWithoutConcurrently1')).not.toContain('down require-concurrent-index-deletion');
    expect(rulesOf(violations, 'ForeignKeyWithoutNotValid2')).toContain('up adding-foreign-key-constraint');
    expect(rulesOf(violations, 'ColumnTypeChange3')).toContain('up changing-column-type');
    const typeChange = violations.find((v) => v.rule === 'changing-column-type')!;
    expect(typeChange.sql).toContain('ALTER COLUMN capacity TYPE bigint');
  });

  it('accepts the safe forms: CONCURRENTLY outside a transaction, NOT VALID then VALIDATE', async () => {
    const violations = await lintMigrations(
      [
        migrationOf('IndexConcurrently1', ['CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_clients_last_name ON clients (last_name)'], [
          'DROP INDEX CONCURRENTLY IF EXISTS ix_clients_last_name',
        ], false),
        migrationOf('ForeignKeyNotValid2', [
          'ALTER TABLE clients ADD CONSTRAINT fk_clients_x FOREIGN KEY (tenant_id, facility_id) REFERENCES facilities (tenant_id, id) NOT VALID',
        ]),
        migrationOf('ValidateForeignKey3', ['ALTER TABLE clients VALIDATE CONSTRAINT fk_clients_x']),
      ],
      { pgVersion: '15' },
    );
    expect(violations).toEqual([]);
  });

  it('honours a squawk-ignore comment on the line before the statement it excuses, and only there', async () => {
    const table = (excuse: string) => [
      `CREATE TABLE IF NOT EXISTS rooms (\n  id uuid NOT NULL,\n${excuse}  beds integer NOT NULL,\n  floor integer NOT NULL\n)`,
    ];
    const excuse = '  -- squawk-ignore prefer-bigint-over-int -- a bed count, not an identifier\n';
    const violations = await lintMigrations(
      [migrationOf('Excused1', table(excuse)), migrationOf('NotExcused2', table(''))],
      { pgVersion: '15' },
    );
    expect(violations.map((v) => `${v.migration}: ${v.rule}: ${v.sql}`)).toEqual([
      'Excused1: prefer-bigint-over-int: floor integer NOT NULL',
      'NotExcused2: prefer-bigint-over-int: beds integer NOT NULL,',
      'NotExcused2: prefer-bigint-over-int: floor integer NOT NULL',
    ]);
  });

  it('excuses a landed migration only through its listed exception', async () => {
    const facilities = loadMigrations().find((m) => m.name.startsWith('CreateFacilities'))!.instance;
    const withList = await lintMigrations([facilities], { pgVersion: '15' });
    const withoutList = await lintMigrations([facilities], { pgVersion: '15', exceptions: [] });
    expect(withList).toEqual([]);
    expect(withoutList.map((v) => `${v.rule}: ${v.sql}`)).toEqual(['prefer-bigint-over-int: capacity integer NOT NULL DEFAULT 0,']);
  });
});
