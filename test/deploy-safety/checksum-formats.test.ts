import { createHash } from 'node:crypto';
import { captureMigrationSql } from '../../src/database/migration-safety';
import { legacyUpOnlyChecksum, migrationChecksum } from '../../src/database/migration-safety/checksums';
import { runSafetyCli, runTypeorm } from '../support/cli';
import { MigrationSet, MigrationSpec, migrationClasses } from '../support/migration-set';
import { useTestDatabase } from '../support/test-database';

jest.setTimeout(240_000);

const WIDGETS: MigrationSpec = {
  name: 'CreateWidgets1700000000001',
  up: ['CREATE TABLE widgets (id integer PRIMARY KEY)'],
  down: ['DROP TABLE widgets'],
};

/** Checksums cover down as well as up; databases deployed with up-only checksums are adopted. */
describe('checksum formats', () => {
  const db = useTestDatabase('empty');
  const env = () => ({ DATABASE_URL: db.settings.url });

  it('the checksum covers up and down; the up-only format is what older deploys recorded', async () => {
    const [instance] = migrationClasses([WIDGETS]).map((Class) => new (Class as new () => never)());
    const up = await captureMigrationSql(instance!, 'up');
    const down = await captureMigrationSql(instance!, 'down');
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(await migrationChecksum(instance!)).toBe(sha(JSON.stringify({ up, down })));
    expect(await legacyUpOnlyChecksum(instance!)).toBe(sha(JSON.stringify(up)));
  });

  it('an edit of down alone is an edit; an up-only checksum of unchanged code is adopted and upgraded without alarm', async () => {
    const set = new MigrationSet([WIDGETS]);
    try {
      expect((await runTypeorm(['migration:run'], set.dataSourceFile, env())).code).toBe(0);

      // A database deployed before down was covered: its row holds the up-only checksum.
      const [instance] = migrationClasses([WIDGETS]).map((Class) => new (Class as new () => never)());
      const legacy = await legacyUpOnlyChecksum(instance!);
      await db.dataSource.query(`UPDATE schema_migrations SET checksum = $1`, [legacy]);
      const status = await runSafetyCli(['status', '--json'], env(), set.dataSourceFile);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout).applied[0].checksum).toBe('legacy');
      const run = await runTypeorm(['migration:run'], set.dataSourceFile, env());
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('Upgraded 1 checksum(s) from the up-only format to up and down');
      const [{ checksum }] = await db.dataSource.query(`SELECT checksum FROM schema_migrations`);
      expect(checksum).toBe(await migrationChecksum(instance!));

      // Now edit only the down: refused as an edit.
      set.write({ ...WIDGETS, down: ['DROP TABLE IF EXISTS widgets CASCADE'] });
      const edited = await runSafetyCli(['status'], env(), set.dataSourceFile);
      expect(edited.code).toBe(4);
      expect(edited.stdout).toContain('CHECKSUM MISMATCH');
      // An up-only checksum that does not match the code's up either is an edit too, not adopted.
      await db.dataSource.query(`UPDATE schema_migrations SET checksum = $1`, ['0'.repeat(64)]);
      expect((await runSafetyCli(['status'], env(), set.dataSourceFile)).code).toBe(4);
    } finally {
      set.remove();
    }
  });
});
