import 'reflect-metadata';
import { createDataSource } from '../database/create-data-source';
import { DatabaseConfigError } from '../database/database-config-error';
import { FoundationDataSource } from '../database/foundation-data-source';
import { ScratchDatabaseError } from '../schema/scratch-database';

/** Thrown by a command to end with this exit code after printing its message (no stack trace). */
export class CommandFailure extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/**
 * Runs a command on the project's database (DATABASE_URL, or the embedded default, started
 * and stopped around the command), then exits with its code. Configuration problems and
 * CommandFailures print one message; anything else prints its stack.
 */
export async function runWithDatabase(work: (dataSource: FoundationDataSource) => Promise<number | void>): Promise<never> {
  let code = 1;
  let dataSource: FoundationDataSource | undefined;
  try {
    dataSource = await createDataSource();
    await dataSource.initialize();
    code = (await work(dataSource)) ?? 0;
  } catch (error) {
    if (error instanceof DatabaseConfigError || error instanceof CommandFailure || error instanceof ScratchDatabaseError) {
      process.stderr.write(`${error.message}\n`);
      code = error instanceof CommandFailure ? error.exitCode : 1;
    } else {
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    }
  } finally {
    await dataSource?.destroy().catch(() => undefined);
  }
  process.exit(code);
}

/** "15.10" from server_version_num 150010: what squawk's --pg-version expects. */
export async function serverVersion(dataSource: FoundationDataSource): Promise<string> {
  const [{ server_version_num: num }] = await dataSource.query('SHOW server_version_num');
  const value = Number(num);
  return `${Math.floor(value / 10000)}.${value % 10000}`;
}
