import { runSafetyCli, runTypeorm } from '../support/cli';
import { MigrationSet, MigrationSpec } from '../support/migration-set';
import { useTestDatabase } from '../support/test-database';

const FIRST: MigrationSpec = {
  name: 'CreateWidgets1700000000001',
  up: ['CREATE TABLE widgets (id integer PRIMARY KEY)'],
  down: ['DROP TABLE widgets'],
};
const SECOND: MigrationSpec = {
  name: 'AddWidgetLabel1700000000002',
  up: ['ALTER TABLE widgets ADD COLUMN label text'],
  down: ['ALTER TABLE widgets DROP COLUMN label'],
};

// Several ts-node CLI processes per test (1.5-3 s each, far more while the suite loads both
// cores), so well above jest's 60 s default.
jest.setTimeout(240_000);

/**
 * Through real processes, on a test-only migration set: what the checksums refuse and what
 * repair accepts, and the exit codes of `migration:status` that deploy scripts gate on.
 */
describe('checksums and migration:status', () => {
  const db = useTestDatabase('empty');
  let set: MigrationSet;
  const env = () => ({ DATABASE_URL: db.settings.url });
  const status = () => runSafetyCli(['status', '--json'], env(), set.dataSourceFile);

  beforeAll(() => {
    set = new MigrationSet([FIRST]);
  });
  afterAll(() => set.remove());

  it('status exits 3 while migrations are pending, 0 once applied, with the checksum recorded', async () => {
    const pending = await status();
    expect(pending.code).toBe(3);
    expect(JSON.parse(pending.stdout).pending).toEqual([FIRST.name]);

    const run = await runTypeorm(['migration:run'], set.dataSourceFile, env());
    expect(run.code).toBe(0);

    const upToDate = await status();
    expect(upToDate.code).toBe(0);
    const report = JSON.parse(upToDate.stdout);
    expect(report.applied).toEqual([
      expect.objectContaining({ name: FIRST.name, checksum: 'ok', recordedChecksum: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    ]);
    expect(report.applied[0].appliedAt).not.toBeNull();
    expect(report.applied[0].durationMs).toEqual(expect.any(Number));
  });

  it('an applied migration edited afterwards is refused, naming it and both checksums, and accepted after repair', async () => {
    const [before] = await db.dataSource.query(`SELECT checksum FROM schema_migrations WHERE name = $1`, [FIRST.name]);
    set.write({ ...FIRST, up: ['CREATE TABLE widgets (id bigint PRIMARY KEY)'] });
    set.write(SECOND);

    const tampered = await status();
    expect(tampered.code).toBe(4);
    const human = await runSafetyCli(['status'], env(), set.dataSourceFile);
    expect(human.stdout).toContain('CHECKSUM MISMATCH');
    // The plan refuses too: its SQL would be recorded on top of the edited migration.
    const plan = await runSafetyCli(['plan'], env(), set.dataSourceFile);
    expect(plan.code).toBe(4);
    expect(plan.stderr).toContain(`${FIRST.name}: recorded ${before.checksum}, code now `);

    const refused = await runTypeorm(['migration:run'], set.dataSourceFile, env());
    expect(refused.code).not.toBe(0);
    const message = refused.stderr + refused.stdout;
    expect(message).toContain(`${FIRST.name}: recorded ${before.checksum}, code now `);
    expect(message).toContain(`npm run migration:repair -- ${FIRST.name}`);
    // Nothing ran: the pending migration is still pending.
    const [{ count }] = await db.dataSource.query(`SELECT count(*)::int AS count FROM schema_migrations`);
    expect(count).toBe(1);

    const repaired = await runSafetyCli(['repair', FIRST.name], env(), set.dataSourceFile);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain(`${before.checksum} -> `);

    const accepted = await runTypeorm(['migration:run'], set.dataSourceFile, env());
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain(`Migration ${SECOND.name} has been executed successfully`);
    expect((await status()).code).toBe(0);
  });

  it('a database migrated before checksums existed is adopted: no error, checksums recorded', async () => {
    await db.dataSource.query(`UPDATE schema_migrations SET checksum = NULL`);
    const adoptable = await status();
    expect(adoptable.code).toBe(0);
    expect(JSON.parse(adoptable.stdout).applied.map((row: { checksum: string }) => row.checksum)).toEqual(['unrecorded', 'unrecorded']);
    const plan = await runSafetyCli(['plan'], env(), set.dataSourceFile);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`UPDATE "schema_migrations" SET checksum = '`);
    expect(plan.stdout).toContain(`WHERE name = '${SECOND.name}' AND checksum IS NULL;`);

    const run = await runTypeorm(['migration:run'], set.dataSourceFile, env());
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Recorded checksums for 2 migration(s)');
    const [{ missing }] = await db.dataSource.query(`SELECT count(*)::int AS missing FROM schema_migrations WHERE checksum IS NULL`);
    expect(missing).toBe(0);
  });

  it('status exits 5 when the database has a migration the code does not, and 2 when it cannot connect', async () => {
    await db.dataSource.query(`INSERT INTO schema_migrations ("timestamp", name) VALUES (1800000000000, 'FromTheFuture1800000000000')`);
    try {
      expect((await status()).code).toBe(5);
    } finally {
      await db.dataSource.query(`DELETE FROM schema_migrations WHERE name = 'FromTheFuture1800000000000'`);
    }
    const unreachable = await runSafetyCli(['status'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres' });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain('Cannot connect to PostgreSQL at 127.0.0.1:1');
    const badFile = await runSafetyCli(['status'], env(), 'test/no-such-data-source.ts');
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toContain('Cannot load the DataSource file test/no-such-data-source.ts');
  });
});
