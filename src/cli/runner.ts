import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { DataSource } from 'typeorm';
import { ConnectionSettings } from '../database/connection-settings';
import { DatabaseConfigError } from '../database/database-config-error';
import { reportFailure, VERBOSE_VARIABLE } from '../database/failure-report';
import { FoundationDataSource } from '../database/foundation-data-source';
import { installInterruptHandlers, onInterrupt } from '../database/interruption';
import { EXIT } from './exit-codes';
import { loadDataSource } from './load-data-source';

/**
 * THE runner of every command of this project (src/cli/*): one way to connect, to report a
 * failure and to exit, so one exit code means one thing everywhere (exit-codes.ts).
 *
 * Conventions for a command (other streams' commands follow them too):
 * - build it with `foundationCommand(name, description)` (commander, with `--verbose` and
 *   usage errors mapped to exit 64), and end the file with `runProgram(program)`;
 * - do its work inside `runCommand({ command }, async (dataSource) => ...)`, returning a code
 *   from EXIT (or nothing for EXIT.ok); never set process.exitCode, never call process.exit;
 * - throw CommandFailure(message, EXIT.x) for an expected failure (printed as is, no stack);
 *   anything else thrown is reported by reportFailure (connection problems and missing
 *   privileges in one line, exit 2; unexpected errors exit 1);
 * - write results to stdout, progress and warnings to stderr; `--json` output is stdout only.
 */
export class CommandFailure extends Error {
  override name = 'CommandFailure';

  constructor(message: string, readonly exitCode: number = EXIT.failed) {
    super(message);
    this.stack = message;
  }
}

export interface CommandOptions {
  /** The command's name as users type it (`migration:status`), for the interruption line. */
  command: string;
  /** `-d <file>`: a DataSource file instead of the project's DataSource (as the TypeORM CLI takes). */
  dataSourceFile?: string;
  /** False for commands that never connect (such as `migration:lint --pg-version 15`). */
  database?: boolean;
  /**
   * Checks that need no database, run before connecting: a configuration that cannot work
   * (a production key setting, say) fails with its own message instead of a connection attempt.
   */
  prepare?: () => void | Promise<void>;
}

/**
 * Connects (DATABASE_URL, the embedded default, or `-d <file>`), runs `work`, disconnects
 * (releasing the embedded server), and ends the process with the code: explicitly with
 * process.exit, never through process.exitCode.
 */
export async function runCommand(
  options: CommandOptions,
  work: (dataSource: DataSource) => Promise<number | void>,
): Promise<never> {
  let dataSource: DataSource | undefined;
  let settings: ConnectionSettings | undefined;
  let connected = false;
  installInterruptHandlers(() => (settings ? `${options.command} on PostgreSQL at ${settings.host}:${settings.port} (database "${settings.database}")` : options.command));
  const unregister = onInterrupt(async () => {
    const abandon = (dataSource as Partial<FoundationDataSource> | undefined)?.abandon;
    if (abandon) await abandon.call(dataSource);
    else await dataSource?.destroy().catch(() => undefined);
  });
  let code: number = EXIT.failed;
  try {
    await options.prepare?.();
    if (options.database === false) {
      code = (await work(undefined as unknown as DataSource)) ?? EXIT.ok;
    } else {
      dataSource = await loadDataSource(options.dataSourceFile);
      settings = (dataSource as unknown as Partial<FoundationDataSource>).settings;
      await connect(dataSource);
      connected = true;
      code = (await work(dataSource)) ?? EXIT.ok;
    }
  } catch (error) {
    const report = reportFailure(error, settings, connected);
    process.stderr.write(`${report.message}\n`);
    code = report.exitCode;
  } finally {
    unregister();
    try {
      await dataSource?.destroy();
    } catch (error) {
      process.stderr.write(`While closing the connection: ${(error as Error).message}\n`);
    }
  }
  process.exit(code);
}

/**
 * Initialises the DataSource; a failure to do so is a connection or configuration problem
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

/** A commander program with the project's conventions: `--verbose`, usage errors as exit 64. */
export function foundationCommand(name: string, description: string): Command {
  const program = new Command(name).description(description);
  program
    .option('--verbose', `echo every SQL statement, and stack traces of unexpected errors (same as ${VERBOSE_VARIABLE}=1)`)
    .exitOverride()
    .hook('preAction', (thisCommand) => {
      if (thisCommand.opts().verbose) process.env[VERBOSE_VARIABLE] = '1';
    });
  return program;
}

/** Parses the arguments and runs the chosen action; argument errors end with exit 64 (0 for --help). */
export function runProgram(program: Command, argv: string[] = process.argv): void {
  const applyToSubcommands = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(applyToSubcommands);
  };
  applyToSubcommands(program);
  program.parseAsync(argv).catch((error: unknown) => {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
    const report = reportFailure(error);
    process.stderr.write(`${report.message}\n`);
    process.exit(report.exitCode);
  });
}
