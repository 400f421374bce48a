/**
 * `npm run migration:lint [-- --pg-version 15]`: lints the SQL of every migration's up and
 * down with squawk. Without --pg-version, the version is read from the server the project is
 * configured for (DATABASE_URL or the embedded default). Exits 1 when anything is reported.
 */
import { Command } from 'commander';
import { formatViolations, lintMigrations } from '../schema/migration-lint';
import { loadMigrations } from '../schema/load-migrations';
import { runWithDatabase, serverVersion } from './run-cli';

async function lint(pgVersion: string): Promise<number> {
  const migrations = loadMigrations();
  const violations = await lintMigrations(migrations.map((m) => m.instance), { pgVersion });
  if (violations.length === 0) {
    process.stdout.write(`migration:lint: ${migrations.length} migrations (up and down) clean for PostgreSQL ${pgVersion}\n`);
    return 0;
  }
  process.stdout.write(`${formatViolations(violations)}\n\n`);
  process.stdout.write(`migration:lint: ${violations.length} problem(s) for PostgreSQL ${pgVersion}. Fix them, or excuse one with a\n` +
    `"-- squawk-ignore <rule> -- <why>" comment on the line before it (see README, "Migration lint").\n`);
  return 1;
}

const program = new Command('migration:lint')
  .description('Lint the SQL of every migration with squawk')
  .option('--pg-version <version>', 'PostgreSQL version to lint for (default: read from the server)')
  .parse();
const { pgVersion } = program.opts<{ pgVersion?: string }>();

if (pgVersion) {
  lint(pgVersion).then((code) => process.exit(code), (error) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
} else {
  void runWithDatabase(async (dataSource) => lint(await serverVersion(dataSource)));
}
