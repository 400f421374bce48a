import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { ConnectionSettings } from '../../src/database/connection-settings';
import { findPgTool, serverMajor } from './pg-tools';

const run = promisify(execFile);

export interface DataDump {
  /** `pg_dump --data-only`, or `rows as text` when this machine has no pg_dump of the server's major. */
  method: string;
  text: string;
}

/**
 * The database's data as a dump shows it: `pg_dump --data-only` of the server's major version
 * when this machine has one (the local PostgreSQL 15 has), otherwise every row of every table
 * and partition of the schema as PostgreSQL's text output (what pg_dump's COPY lines hold: bytea
 * as hex, jsonb as text), read by a superuser so that row-level security hides nothing.
 */
export async function dataDump(dataSource: DataSource, settings: ConnectionSettings): Promise<DataDump> {
  const pgDump = await findPgTool('pg_dump', await serverMajor(dataSource));
  if (pgDump) {
    const { stdout } = await run(pgDump, ['--data-only', '--no-owner', `--dbname=${settings.url}`], { maxBuffer: 256 * 1024 * 1024 });
    return { method: `pg_dump --data-only (${pgDump})`, text: stdout };
  }
  const tables: { name: string }[] = await dataSource.query(
    `SELECT quote_ident(relname) AS name FROM pg_class
     WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' ORDER BY relname`,
  );
  const lines: string[] = [];
  for (const { name } of tables) {
    const rows: { line: string }[] = await dataSource.query(`SELECT t::text AS line FROM ONLY ${name} t`);
    lines.push(`-- ${name}`, ...rows.map((row) => row.line));
  }
  return { method: 'every row of every table as text (no pg_dump of the server major here)', text: lines.join('\n') };
}
