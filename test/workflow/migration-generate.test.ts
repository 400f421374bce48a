import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { MigrationInterface } from 'typeorm';
import { serverVersion } from '../../src/cli/server-version';
import { lintMigrations } from '../../src/schema/migration-lint';
import { catalogOf } from '../support/catalog';
import { CliResult, PROJECT_ROOT } from '../support/cli';
import { useTestDatabase } from '../support/test-database';

/**
 * The documented workflow for a schema change (docs/migrations.md), end to end through the
 * TypeORM CLI: change an entity (in a scratch copy of src/entities), `migration:generate`; the
 * generated migration must pass `migration:lint`'s rules, apply, revert to exactly the catalog
 * from before, apply again, and leave TypeORM's diff empty.
 */
// Several ts-node CLI processes in one test (1.5-3 s each, far more while the machine is
// loaded: it took 65 s at a load average of 20 on two cores), so well above jest's 60 s default.
jest.setTimeout(240_000);

describe('migration:generate workflow', () => {
  const db = useTestDatabase('migrated');
  // Inside the project (git-ignored) so that the copy resolves typeorm and the project's modules.
  const scratch = path.join(PROJECT_ROOT, '.scratch', `generate-${process.pid}-${randomBytes(3).toString('hex')}`);
  const dataSourceFile = path.join(scratch, 'data-source.ts');

  beforeAll(() => {
    mkdirSync(path.join(scratch, 'migrations'), { recursive: true });
    cpSync(path.join(PROJECT_ROOT, 'src', 'entities'), path.join(scratch, 'entities'), { recursive: true });
    // The entity change under test: a new optional column, with its comment as the convention asks.
    const facility = path.join(scratch, 'entities', 'facility.entity.ts');
    const source = readFileSync(facility, 'utf8').replace(
      /\n}\s*$/,
      `\n\n  @Column({ type: 'text', nullable: true, comment: 'Public web site of the facility.' })\n  website: string | null;\n}\n`,
    );
    writeFileSync(facility, source);
    writeFileSync(
      dataSourceFile,
      [
        "import 'reflect-metadata';",
        "import path from 'node:path';",
        "import { parseDatabaseUrl } from '../../src/database/connection-settings';",
        "import { buildDataSourceOptions, MIGRATIONS_GLOB } from '../../src/database/data-source-options';",
        "import { FoundationDataSource } from '../../src/database/foundation-data-source';",
        "import { ENTITIES } from './entities';",
        'const settings = parseDatabaseUrl(process.env.DATABASE_URL!);',
        'export default new FoundationDataSource(',
        "  { ...buildDataSourceOptions(settings), entities: ENTITIES, migrations: [MIGRATIONS_GLOB, path.join(__dirname, 'migrations', '*.ts')] },",
        '  settings,',
        ');',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const cli = (args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(
        path.join(PROJECT_ROOT, 'node_modules/.bin/typeorm-ts-node-commonjs'),
        [...args, '-d', path.relative(PROJECT_ROOT, dataSourceFile)],
        { cwd: PROJECT_ROOT, env: { ...process.env, DATABASE_URL: db.settings.url } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('generates a migration that applies, round-trips, re-applies and leaves an empty diff', async () => {
    const before = await catalogOf(db.dataSource);

    const generated = await cli(['migration:generate', path.relative(PROJECT_ROOT, path.join(scratch, 'migrations', 'AddFacilityWebsite'))]);
    expect(generated).toMatchObject({ code: 0 });
    const [file] = readdirSync(path.join(scratch, 'migrations'));
    expect(file).toMatch(/^\d+-AddFacilityWebsite\.ts$/);
    const migration = readFileSync(path.join(scratch, 'migrations', file!), 'utf8');
    expect(migration).toContain('ALTER TABLE "facilities" ADD "website" text');
    expect(migration).toContain(`COMMENT ON COLUMN "facilities"."website" IS 'Public web site of the facility.'`);
    expect(migration).toContain('ALTER TABLE "facilities" DROP COLUMN "website"');

    // The lint, as `npm run migration:lint` runs it, on the generated class: its down's DROP
    // COLUMN (what the generator writes for every added column) is the down's purpose, not a finding.
    const exports = require(path.join(scratch, 'migrations', file!)) as Record<string, new () => MigrationInterface>;
    const generatedMigration = new (Object.values(exports)[0]!)();
    expect(await lintMigrations([generatedMigration], { pgVersion: await serverVersion(db.dataSource) })).toEqual([]);

    const applied = await cli(['migration:run']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Migration AddFacilityWebsite\d+ has been executed successfully/);
    const after = await catalogOf(db.dataSource);
    expect(after.tables.facilities!.columns).toContainEqual(expect.objectContaining({ name: 'website', type: 'text', nullable: true }));

    const reverted = await cli(['migration:revert']);
    expect(reverted.code).toBe(0);
    expect(await catalogOf(db.dataSource)).toEqual(before);

    expect((await cli(['migration:run'])).code).toBe(0);
    expect(await catalogOf(db.dataSource)).toEqual(after);

    const check = await cli(['migration:generate', path.relative(PROJECT_ROOT, path.join(scratch, 'migrations', 'Nothing')), '--check']);
    expect(check).toMatchObject({ code: 0 });
    expect(check.stdout).toContain('No changes in database schema were found');
  });
});
