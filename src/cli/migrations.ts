#!/usr/bin/env node
/**
 * The deploy-safety commands that TypeORM's CLI has no equivalent for:
 *   status [--json]                 applied and pending migrations; the exit code is a deploy gate
 *   plan                            the SQL migration:run would send, without sending it
 *   revert [--to <name>|--count N]  reverts several migrations, each in its own transaction
 *   repair <name>                   re-records a reviewed migration's checksum
 * `npm run migration:<command>` runs them through ts-node; deploys run the compiled
 * `node dist/src/cli/migrations.js <command>`. Exit codes are listed in the README.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { DataSource } from 'typeorm';
import { DatabaseConfigError } from '../database/database-config-error';
import {
  buildMigrationPlan,
  EXIT,
  MigrationSafetyError,
  migrationStatus,
  readSafetySettings,
  repairChecksum,
  revertMigrationsSafely,
} from '../database/migration-safety';
import { loadDataSource } from './load-data-source';
import { formatStatus } from './print-status';

const say = (line: string) => process.stderr.write(`${line}\n`);

/** Opens the DataSource, runs the command, closes it, and ends the process with the command's code. */
async function withDataSource(file: string | undefined, work: (dataSource: DataSource) => Promise<number>): Promise<never> {
  let code: number = EXIT.failed;
  let dataSource: DataSource | undefined;
  try {
    dataSource = await loadDataSource(file);
    await connect(dataSource);
    code = await work(dataSource);
  } catch (error) {
    code = report(error);
  } finally {
    try {
      await dataSource?.destroy();
    } catch (error) {
      say(`While closing the connection: ${(error as Error).message}`);
    }
  }
  process.exit(code);
}

/**
 * Initialises the DataSource; any failure to do so is a connection or configuration problem
 * (exit code 2). The project's DataSource already words it as one line; a plain one from
 * `-d <file>` does not, so its error is wrapped here.
 */
async function connect(dataSource: DataSource): Promise<void> {
  try {
    await dataSource.initialize();
  } catch (error) {
    if (error instanceof DatabaseConfigError) throw error;
    throw new DatabaseConfigError(`Cannot connect with the DataSource: ${(error as Error).message}`);
  }
}

function report(error: unknown): number {
  if (error instanceof DatabaseConfigError) {
    say(error.message);
    return EXIT.connection;
  }
  if (error instanceof MigrationSafetyError) {
    say(error.message);
    return error.exitCode;
  }
  say(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return EXIT.failed;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return parsed;
}

const program = new Command('migrations')
  .description('Deploy-safety commands for foundation-db migrations (see README, Deploy safety)')
  .option('-d, --dataSource <file>', 'file exporting the DataSource (default: the project DataSource, as ormconfig.ts)');

program
  .command('status')
  .description('list applied and pending migrations; exit 0 only when up to date')
  .option('--json', 'print JSON for machines')
  .action((options: { json?: boolean }) =>
    withDataSource(program.opts().dataSource, async (dataSource) => {
      const status = await migrationStatus(dataSource);
      process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
      return status.exitCode;
    }),
  );

program
  .command('plan')
  .description('print the SQL of every pending migration, in order, as a psql script; applies nothing')
  .option('-o, --out <file>', 'write the script to this file instead of stdout (npm prints its own lines on stdout)')
  .action((options: { out?: string }) =>
    withDataSource(program.opts().dataSource, async (dataSource) => {
      const plan = await buildMigrationPlan(dataSource, readSafetySettings());
      if (options.out) writeFileSync(options.out, plan.sql);
      else process.stdout.write(plan.sql);
      say(`${plan.pending.length} pending migration(s) in the plan.`);
      return EXIT.ok;
    }),
  );

program
  .command('revert')
  .description('revert the latest migration, the latest N, or all after a named one; each in its own transaction')
  .option('--to <name>', 'revert every migration applied after this one (it stays applied)')
  .option('--count <n>', 'revert the latest N migrations', positiveInteger)
  .option('--fake', 'only remove the bookkeeping rows, without running down')
  .action((options: { to?: string; count?: number; fake?: boolean }) =>
    withDataSource(program.opts().dataSource, async (dataSource) => {
      if (options.to !== undefined && options.count !== undefined) {
        throw new MigrationSafetyError('Give --to or --count, not both', EXIT.failed);
      }
      const result = await revertMigrationsSafely(dataSource, options, readSafetySettings(), say);
      if (result.reverted.length === 0 && !result.failed) {
        process.stdout.write('Nothing to revert.\n');
        return EXIT.ok;
      }
      const lines = [`Reverted (${result.reverted.length}): ${result.reverted.join(', ') || 'none'}`];
      if (result.failed) {
        const reason = result.failed.error instanceof Error ? result.failed.error.message : String(result.failed.error);
        const state = result.failed.rolledBack
          ? 'rolled back, still applied'
          : 'ran without a transaction: part of its down may have run; it is still recorded as applied';
        lines.push(`Failed: ${result.failed.name} (${state}): ${reason}`);
        lines.push(`Not reverted (${result.notReverted.length}): ${result.notReverted.join(', ') || 'none'}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      return result.failed ? EXIT.failed : EXIT.ok;
    }),
  );

program
  .command('repair')
  .description("re-record an applied migration's checksum from its current code, after review")
  .argument('<name>', 'migration name, as in the migrations table')
  .action((name: string) =>
    withDataSource(program.opts().dataSource, async (dataSource) => {
      const result = await repairChecksum(dataSource, name, readSafetySettings(), say);
      process.stdout.write(`Re-recorded the checksum of ${result.name}: ${result.previous ?? 'none'} -> ${result.recorded}\n`);
      return EXIT.ok;
    }),
  );

program.parseAsync(process.argv).catch((error: unknown) => process.exit(report(error)));
