/**
 * `npm run db:psql [-- <psql arguments>]`: psql on the project's database (DATABASE_URL, or the
 * embedded development server, started or joined for as long as psql runs). The embedded server
 * listens on a free port with a generated password and stops when its last command ends, so this
 * is the way to look inside it. Exit code: 0 when psql ends with 0, else 1.
 */
import { spawn } from 'node:child_process';
import { FoundationDataSource } from '../database/foundation-data-source';
import { toDatabaseUrl } from '../database/connection-settings';
import { EXIT } from './exit-codes';
import { CommandFailure, foundationCommand, runCommand, runProgram } from './runner';

const program = foundationCommand('db:psql', 'Open psql on the database (DATABASE_URL or the embedded development server)')
  .argument('[psql-arguments...]', 'passed to psql, after the connection URL (e.g. -c "\\dt")')
  .allowUnknownOption()
  .action((psqlArguments: string[]) =>
    runCommand({ command: 'db:psql' }, async (dataSource) => {
      const settings = (dataSource as FoundationDataSource).settings;
      // The password goes to psql through its environment, not its arguments, which every local
      // user can read in the process list.
      const url = toDatabaseUrl({ ...settings, password: undefined });
      const env = settings.password ? { ...process.env, PGPASSWORD: settings.password } : process.env;
      // psql handles Ctrl-C itself (it cancels the running query); the terminal sends SIGINT to
      // this process too, which must not end the session under it. SIGTERM still ends both.
      process.removeAllListeners('SIGINT');
      process.on('SIGINT', () => undefined);
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn('psql', [url, ...psqlArguments], { stdio: 'inherit', env });
        child.on('error', (error: NodeJS.ErrnoException) =>
          reject(
            error.code === 'ENOENT'
              ? new CommandFailure(
                  `db:psql: psql is not installed (Debian/Ubuntu: apt-get install postgresql-client; macOS: brew install libpq). ` +
                    `Any PostgreSQL client can connect to ${url} (password: ${settings.password ? 'see DATABASE_URL, or .pgdata/pg<major>-dev.password for the embedded server' : 'none'}) while a command holds the server`,
                  EXIT.configuration,
                )
              : error,
          ),
        );
        child.on('exit', (status) => resolve(status ?? 1));
      });
      return code === 0 ? EXIT.ok : EXIT.failed;
    }),
  );

runProgram(program);
