import path from 'node:path';
import { DataSource } from 'typeorm';
import { FoundationDataSource } from '../database/foundation-data-source';
import { runCommand } from './runner';

/**
 * Kept for commands written before the one runner (src/cli/runner.ts): the same runner under
 * the old name. New commands use runCommand and foundationCommand directly.
 */
export { CommandFailure } from './runner';

export function runWithDatabase(work: (dataSource: FoundationDataSource) => Promise<number | void>): Promise<never> {
  return runCommand({ command: path.basename(process.argv[1] ?? 'command').replace(/\.(ts|js)$/, '') }, (dataSource) =>
    work(dataSource as FoundationDataSource),
  );
}

/** "15.10" from server_version_num 150010: what squawk's --pg-version expects. */
export async function serverVersion(dataSource: DataSource): Promise<string> {
  const [{ server_version_num: num }] = await dataSource.query('SHOW server_version_num');
  const value = Number(num);
  return `${Math.floor(value / 10000)}.${value % 10000}`;
}
