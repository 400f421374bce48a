import { Logger, QueryRunner } from 'typeorm';
import { isVerbose } from './failure-report';
import { migrationOfSuccessLine } from './typeorm-internals';

/**
 * The logger of migration commands. TypeORM's CLI turns on query logging, which echoes every
 * statement of every migration (about 1,500 lines for a fresh migrate) and a failed query with
 * its parameters. Instead this prints TypeORM's schema messages, with a progress line per
 * migration (name and duration), and leaves the failure report to the command (a few lines
 * naming migration, statement and object). FOUNDATION_VERBOSE=1 (`--verbose`) brings the SQL
 * echo back.
 */
export class CommandLogger implements Logger {
  constructor(
    private readonly durations: Map<string, number>,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  logQuery(query: string, parameters?: unknown[], _queryRunner?: QueryRunner): void {
    if (isVerbose()) this.write(`query: ${query}${parameters && parameters.length > 0 ? ` -- PARAMETERS: ${JSON.stringify(parameters)}` : ''}`);
  }

  logQueryError(error: string | Error, query: string, _parameters?: unknown[], _queryRunner?: QueryRunner): void {
    if (isVerbose()) this.write(`query failed: ${query}\nerror: ${error instanceof Error ? error.message : error}`);
  }

  logQuerySlow(time: number, query: string): void {
    if (isVerbose()) this.write(`query is slow (${time} ms): ${query}`);
  }

  logSchemaBuild(message: string): void {
    const success = migrationOfSuccessLine(message);
    if (!success) {
      this.write(message);
      return;
    }
    const took = this.durations.get(success.name);
    this.write(`Migration ${success.name} has been ${success.fake ? '(fake) ' : ''}executed successfully${took === undefined ? '' : ` (${took} ms)`}.`);
  }

  logMigration(message: string): void {
    // "Migration X failed, error: ...": the command reports the failure itself, once.
    if (isVerbose()) this.write(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') process.stderr.write(`${String(message)}\n`);
    else if (isVerbose()) this.write(String(message));
  }
}
