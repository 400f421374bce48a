/**
 * `npm run migration:lint [-- --pg-version 15]`: lints the SQL of every migration's up and
 * down with squawk. Without --pg-version, the version is read from the server the project is
 * configured for (DATABASE_URL or the embedded default). Exits 7 when anything is reported.
 */
import { formatViolations, lintMigrations } from '../schema/migration-lint';
import { loadMigrations } from '../schema/load-migrations';
import { EXIT } from './exit-codes';
import { serverVersion } from './server-version';
import { foundationCommand, runCommand, runProgram } from './runner';

async function lint(pgVersion: string): Promise<number> {
  const migrations = loadMigrations();
  const violations = await lintMigrations(migrations.map((m) => m.instance), { pgVersion });
  if (violations.length === 0) {
    process.stdout.write(`migration:lint: ${migrations.length} migrations (up and down) clean for PostgreSQL ${pgVersion}\n`);
    return EXIT.ok;
  }
  process.stdout.write(`${formatViolations(violations)}\n\n`);
  process.stdout.write(`migration:lint: ${violations.length} problem(s) for PostgreSQL ${pgVersion}. Fix them, or excuse one with a\n` +
    `"-- squawk-ignore <rule> -- <why>" comment on the line before it (docs/migrations.md, "Migration lint").\n`);
  return EXIT.checkFailed;
}

const program = foundationCommand('migration:lint', 'Lint the SQL of every migration with squawk')
  .option('--pg-version <version>', 'PostgreSQL version to lint for (default: read from the server)')
  .action(({ pgVersion }: { pgVersion?: string }) =>
    pgVersion
      ? runCommand({ command: 'migration:lint', database: false }, () => lint(pgVersion))
      : runCommand({ command: 'migration:lint' }, async (dataSource) => lint(await serverVersion(dataSource))),
  );

runProgram(program);
