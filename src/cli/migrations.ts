#!/usr/bin/env node
/**
 * The migration commands, with the deploy safety of src/database/migration-safety:
 *   run [--fake]                     apply pending migrations (progress line per migration)
 *   status [--json]                  applied and pending migrations; the exit code is a deploy gate
 *   plan [--out file] [--json]       the SQL migration:run would send, without sending it
 *   revert [--to <name>|--count N] [--allow-data-loss] [--json]
 *   repair <name>                    re-records a reviewed migration's checksum
 *   baseline                         records an identical existing schema as applied
 * `npm run migration:<command>` runs them through ts-node; deploys run the compiled
 * `node dist/src/cli/migrations.js <command>`. Exit codes: src/cli/exit-codes.ts and
 * docs/operations.md.
 */
import { writeFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { DataSource } from 'typeorm';
import { CommandLogger } from '../database/command-logger';
import { FoundationDataSource } from '../database/foundation-data-source';
import {
  ALLOW_DATA_LOSS_FLAG,
  baselineMigrations,
  buildMigrationPlan,
  MigrationFailedError,
  migrationStatus,
  readSafetySettings,
  repairChecksum,
  revertMigrationsSafely,
  runMigrationsSafely,
} from '../database/migration-safety';
import { EXIT } from './exit-codes';
import { formatStatus } from './print-status';
import { CommandFailure, foundationCommand, runCommand, runProgram } from './runner';

const say = (line: string) => process.stderr.write(`${line}\n`);

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return parsed;
}

const program = foundationCommand('migrations', 'Migration commands with deploy safety (see docs/operations.md)')
  .option('-d, --dataSource <file>', 'file exporting the DataSource (default: the project DataSource, as ormconfig.ts)');

const on = (command: string, work: (dataSource: DataSource) => Promise<number | void>) =>
  runCommand({ command: `migration:${command}`, dataSourceFile: program.opts().dataSource }, work);

program
  .command('run')
  .description('apply every pending migration, each in its own transaction, under the migration lock')
  .option('--fake', 'record the pending migrations as applied without running them (TypeORM --fake)')
  .action((options: { fake?: boolean }) =>
    on('run', async (dataSource) => {
      const durations = (dataSource as FoundationDataSource).migrationDurations ?? new Map<string, number>();
      // The same quiet logger the TypeORM CLI gets: a progress line per migration.
      dataSource.setOptions({ logger: new CommandLogger(durations) });
      await runMigrationsSafely(
        dataSource,
        { transaction: dataSource.options.migrationsTransactionMode ?? 'each', fake: options.fake ?? false },
        readSafetySettings(),
        say,
        durations,
      );
    }),
  );

program
  .command('status')
  .description('list applied and pending migrations; exit 0 only when up to date')
  .option('--json', 'print JSON for machines')
  .action((options: { json?: boolean }) =>
    on('status', async (dataSource) => {
      const status = await migrationStatus(dataSource);
      process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
      return status.exitCode;
    }),
  );

program
  .command('plan')
  .description('print the SQL of every pending migration, in order, as a psql script; applies nothing')
  .option('-o, --out <file>', 'write the script to this file instead of stdout (npm prints its own lines on stdout)')
  .option('--json', 'print {"pending": [...], "sql": "..."} as JSON instead of the script')
  .action((options: { out?: string; json?: boolean }) =>
    on('plan', async (dataSource) => {
      const plan = await buildMigrationPlan(dataSource, readSafetySettings());
      if (options.out) writeFileSync(options.out, plan.sql);
      if (options.json) process.stdout.write(`${JSON.stringify({ pending: plan.pending, sql: plan.sql }, null, 2)}\n`);
      else if (!options.out) process.stdout.write(plan.sql);
      say(`${plan.pending.length} pending migration(s) in the plan.`);
    }),
  );

program
  .command('revert')
  .description('revert the latest migration, the latest N, or all after a named one; each in its own transaction')
  .option('--to <name>', 'revert every migration applied after this one (it stays applied)')
  .option('--count <n>', 'revert the latest N migrations', positiveInteger)
  .option('--fake', 'only remove the bookkeeping rows, without running down')
  .option(ALLOW_DATA_LOSS_FLAG, 'revert even when a down drops a table or column holding rows')
  .option('--json', 'print the outcome as JSON')
  .action((options: { to?: string; count?: number; fake?: boolean; allowDataLoss?: boolean; json?: boolean }) =>
    on('revert', async (dataSource) => {
      if (options.to !== undefined && options.count !== undefined) throw new CommandFailure('Give --to or --count, not both', EXIT.usage);
      const result = await revertMigrationsSafely(dataSource, options, readSafetySettings(), say);
      const failure = result.failed && {
        name: result.failed.name,
        rolledBack: result.failed.rolledBack,
        reason: result.failed.error instanceof MigrationFailedError ? result.failed.error.reason : (result.failed.error as Error)?.message ?? String(result.failed.error),
        statement: result.failed.error instanceof MigrationFailedError ? result.failed.error.statement ?? null : null,
        object: result.failed.error instanceof MigrationFailedError ? result.failed.error.object ?? null : null,
      };
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ reverted: result.reverted, failed: failure ?? null, notReverted: result.notReverted }, null, 2)}\n`);
        return failure ? EXIT.failed : EXIT.ok;
      }
      if (result.reverted.length === 0 && !failure) {
        process.stdout.write('Nothing to revert.\n');
        return EXIT.ok;
      }
      const lines = [`Reverted (${result.reverted.length}): ${result.reverted.join(', ') || 'none'}`];
      if (failure) {
        const state = failure.rolledBack
          ? 'rolled back, still applied'
          : 'ran without a transaction: part of its down may have run; it is still recorded as applied';
        lines.push(`Failed: ${failure.name} (${state}): ${failure.reason}`);
        if (failure.statement) lines.push(`  statement: ${failure.statement}`);
        if (failure.object) lines.push(`  object:    ${failure.object}`);
        lines.push(`Not reverted (${result.notReverted.length}): ${result.notReverted.join(', ') || 'none'}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      return failure ? EXIT.failed : EXIT.ok;
    }),
  );

program
  .command('repair')
  .description("re-record an applied migration's checksum from its current code, after review")
  .argument('<name>', 'migration name, as in the migrations table')
  .action((name: string) =>
    on('repair', async (dataSource) => {
      const result = await repairChecksum(dataSource, name, readSafetySettings(), say);
      process.stdout.write(`Re-recorded the checksum of ${result.name}: ${result.previous ?? 'none'} -> ${result.recorded}\n`);
    }),
  );

program
  .command('baseline')
  .description('record every pending migration as applied, without running it, when the schema is identical to what they make')
  .action(() =>
    on('baseline', async (dataSource) => {
      const result = await baselineMigrations(dataSource, readSafetySettings(), say);
      process.stdout.write(
        result.recorded.length === 0
          ? 'Nothing to baseline: no migration is pending.\n'
          : `Recorded as applied (${result.recorded.length}), the schema being identical to what they make: ${result.recorded.join(', ')}\n`,
      );
    }),
  );

runProgram(program);
