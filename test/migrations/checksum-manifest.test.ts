import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { EXIT } from '../../src/cli/exit-codes';
import { compareManifest, currentChecksums, MANIFEST_PATH, readManifest } from '../../src/database/migration-safety/manifest';
import { loadMigrations } from '../../src/schema/load-migrations';
import { runProjectCli } from '../support/cli';

jest.setTimeout(120_000);

/**
 * schema/migration-checksums.json holds the checksum (up and down) of every landed migration:
 * an edit of a landed migration fails here, in review, instead of at deploy.
 */
describe('the committed checksum manifest', () => {
  it('matches every migration in the code, and has an entry for each (npm run migration:manifest adds new ones)', async () => {
    const current = await currentChecksums(loadMigrations().map((m) => m.instance));
    const comparison = compareManifest(readManifest(), current);
    expect(comparison.edited.map((e) => `${e.name} was edited after it landed: put the change in a new migration`)).toEqual([]);
    expect(comparison.removed.map((name) => `${name} was removed or renamed after it landed`)).toEqual([]);
    expect(comparison.missing.map((name) => `${name} has no entry: run npm run migration:manifest and commit schema/migration-checksums.json`)).toEqual([]);
  });

  it('catches an edit of a landed migration, in up or in down', async () => {
    const [first] = loadMigrations();
    const editedDown: MigrationInterface = Object.assign(Object.create(first!.instance), {
      async down(runner: QueryRunner) {
        await first!.instance.down(runner);
        await runner.query('SELECT 1');
      },
    });
    const current = await currentChecksums([editedDown]);
    expect(compareManifest(readManifest(), current).edited.map((e) => e.name)).toEqual([first!.name]);
  });

  it('as a command: --check exits 0 on agreement, 4 on an edited landed migration, 7 on a missing entry; writing never changes a landed entry', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foundation-manifest-'));
    try {
      const file = path.join(dir, 'manifest.json');
      const manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));
      const [firstName] = Object.keys(manifest.migrations);
      const edited = { ...manifest, migrations: { ...manifest.migrations, [firstName!]: 'f'.repeat(64) } };
      writeFileSync(file, JSON.stringify(edited));
      const check = await runProjectCli('migration-manifest', ['--check', '--file', file]);
      expect(check.code).toBe(EXIT.checksumMismatch);
      expect(check.stderr).toContain(`${firstName}: manifest ${'f'.repeat(64)}, code now ${manifest.migrations[firstName!]} (edited)`);
      const write = await runProjectCli('migration-manifest', ['--file', file]);
      expect(write.code).toBe(EXIT.checksumMismatch);
      expect(JSON.parse(readFileSync(file, 'utf8')).migrations[firstName!]).toBe('f'.repeat(64));

      const { [firstName!]: _dropped, ...missing } = manifest.migrations;
      writeFileSync(file, JSON.stringify({ ...manifest, migrations: missing }));
      expect((await runProjectCli('migration-manifest', ['--check', '--file', file])).code).toBe(EXIT.checkFailed);
      expect((await runProjectCli('migration-manifest', ['--file', file])).code).toBe(EXIT.ok);
      expect(JSON.parse(readFileSync(file, 'utf8')).migrations).toEqual(manifest.migrations);
      expect((await runProjectCli('migration-manifest', ['--check', '--file', file])).code).toBe(EXIT.ok);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
