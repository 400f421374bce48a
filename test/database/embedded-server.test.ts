import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliResult, PROJECT_ROOT, runSafetyCli } from '../support/cli';
import { compiledFile } from '../support/compiled-project';

// Many CLI processes, each starting or joining an embedded server.
jest.setTimeout(600_000);

/** A throw-away folder for clusters, reachable by the postgres system user when running as root. */
function clusterFolder(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

const embedded = (root: string, extra: NodeJS.ProcessEnv = {}) => ({ FOUNDATION_PGDATA_DIR: root, FOUNDATION_EMBEDDED: '1', ...extra });

/** The pid in the cluster's postmaster.pid while a postmaster runs, else undefined. */
function runningPostmaster(root: string): number | undefined {
  const cluster = readdirSync(root).find((name) => /^pg\d+-dev$/.test(name));
  const pidFile = cluster && path.join(root, cluster, 'postmaster.pid');
  if (!pidFile || !existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Starts a project command in the background, for killing it midway. */
function startCommand(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<CliResult> } {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [compiledFile('src/cli/migrations.ts'), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...inherited, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code: code ?? 137, stdout, stderr })));
  return { child, done };
}

async function waitFor(condition: () => boolean, what: string, limitMs = 120_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

// Embedded-only: it runs in the suite's embedded run; a DATABASE_URL run would only repeat it.
(process.env.DATABASE_URL ? describe.skip : describe)('the embedded server', () => {
  const folders: string[] = [];
  afterAll(() => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it('is shared by commands started at once: three at a time, several rounds, all succeed, none left running', async () => {
    const root = clusterFolder('foundation-shared-');
    folders.push(root);
    const rounds: number[][] = [];
    // The first round also initialises the cluster and migrates it (one of the three applies,
    // under the migration lock); the others only read.
    const first = await Promise.all([1, 2, 3].map(() => runSafetyCli(['run'], embedded(root))));
    rounds.push(first.map((result) => result.code));
    expect(first.map((r) => (r.code === 0 ? 0 : r.stderr))).toEqual([0, 0, 0]);
    for (let round = 0; round < 4; round++) {
      const results = await Promise.all([1, 2, 3].map(() => runSafetyCli(['status'], embedded(root))));
      rounds.push(results.map((result) => result.code));
      expect(results.map((r) => (r.code === 0 ? 0 : r.stderr))).toEqual([0, 0, 0]);
    }
    expect(rounds.flat().every((code) => code === 0)).toBe(true);
    // The last command to finish stopped it.
    expect(runningPostmaster(root)).toBeUndefined();
  });

  it('after kill -9 of a command, the next command reuses the orphaned server and stops it when done', async () => {
    const root = clusterFolder('foundation-orphan-');
    folders.push(root);
    expect((await runSafetyCli(['run'], embedded(root))).code).toBe(0);

    // A command killed with kill -9 as soon as its server is up.
    const { child, done } = startCommand(['status'], embedded(root));
    await waitFor(() => runningPostmaster(root) !== undefined, 'the server to start');
    child.kill('SIGKILL');
    await done;
    const orphan = runningPostmaster(root);
    if (orphan === undefined) {
      // The command finished before the kill landed; nothing to prove in this round.
      throw new Error('the command ended before it could be killed; the test needs a slower machine or a retry');
    }

    const next = await runSafetyCli(['status'], embedded(root));
    expect({ code: next.code, stderr: next.stderr }).toEqual({ code: 0, stderr: '' });
    expect(runningPostmaster(root)).toBeUndefined();
    const log = readFileSync(path.join(root, readdirSync(root).find((name) => /^pg\d+-dev\.log$/.test(name))!), 'utf8');
    expect(log).toContain(`reusing a server (pid ${orphan}) that no live command uses`);
  });

  it('leaves no superuser password in the temporary folder, and none readable by others, after a first set-up killed midway', async () => {
    const root = clusterFolder('foundation-killed-setup-');
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'foundation-tmpdir-'));
    folders.push(root, tmp);
    const { child, done } = startCommand(['status'], embedded(root, { TMPDIR: tmp }));
    // Kill it while initdb runs: the state file says so from just before initdb starts.
    await waitFor(() => readdirSync(root).some((name) => name.endsWith('.state') && readFileSync(path.join(root, name), 'utf8').startsWith('initialising')), 'initdb to start');
    await sleep(150);
    child.kill('SIGKILL');
    await done;

    const passwordFile = readdirSync(root).find((name) => name.endsWith('.password'))!;
    const password = readFileSync(path.join(root, passwordFile), 'utf8').trim();
    expect(password.length).toBeGreaterThan(10);
    const holders = (dir: string): { file: string; mode: number }[] =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.join(entry.parentPath, entry.name))
        .filter((file) => {
          try {
            return readFileSync(file, 'utf8').includes(password);
          } catch {
            return false;
          }
        })
        .map((file) => ({ file, mode: statSync(file).mode & 0o777 }));
    expect(holders(tmp)).toEqual([]);
    for (const holder of holders(root)) expect({ file: holder.file, othersOrGroup: holder.mode & 0o077 }).toEqual({ file: holder.file, othersOrGroup: 0 });

    // The next command redoes the interrupted set-up and removes what the killed one left.
    const next = await runSafetyCli(['status'], embedded(root, { TMPDIR: tmp }));
    expect(next.code).toBe(3); // a new, empty development database: every migration pending
    expect(readdirSync(root).filter((name) => name.startsWith('.initdb-'))).toEqual([]);
    expect(holders(tmp)).toEqual([]);
    expect(runningPostmaster(root)).toBeUndefined();
  });

  (process.getuid?.() === 0 ? describe : describe.skip)('as root (the server runs as the postgres system user)', () => {
    it('an explicit FOUNDATION_PGDATA_DIR that user cannot enter is refused in one line saying what is wrong and what to do', async () => {
      const home = mkdtempSync(path.join('/root', 'foundation-home-'));
      folders.push(home);
      chmodSync(home, 0o700);
      const result = await runSafetyCli(['status'], embedded(path.join(home, 'pgdata')));
      const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
      expect({ code: result.code, lines: lines.length }).toEqual({ code: 2, lines: 1 });
      expect(lines[0]).toMatch(/cannot enter \/root(\/foundation-home-\w+)? \(mode 0700/);
      expect(lines[0]).toContain('Choose a folder it can reach');
      expect(lines[0]).not.toContain('EACCES');
    });

    it('a copy of the project under /root works: its cluster moves where that user can reach, and it says where', async () => {
      const home = mkdtempSync(path.join('/root', 'foundation-home-'));
      folders.push(home);
      chmodSync(home, 0o700);
      const copy = path.join(home, 'project');
      mkdirSync(copy);
      for (const entry of ['package.json', 'tsconfig.json', 'ormconfig.ts', 'src']) cpSync(path.join(PROJECT_ROOT, entry), path.join(copy, entry), { recursive: true });
      symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
      const { FOUNDATION_PGDATA_DIR: _ignored, ...env } = process.env;
      const status = await new Promise<CliResult>((resolve) => {
        const child = spawn(path.join(copy, 'node_modules/.bin/ts-node'), ['src/cli/migrations.ts', 'status'], {
          cwd: copy,
          env: { ...env, DATABASE_URL: '', FOUNDATION_EMBEDDED: '1', TS_NODE_TRANSPILE_ONLY: '1' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += String(chunk)));
        child.stderr.on('data', (chunk) => (stderr += String(chunk)));
        child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      });
      const fallback = /lives in (\/var\/lib\/foundation-db\/project-[0-9a-f]{10}) instead/.exec(status.stderr)?.[1];
      try {
        expect({ code: status.code, stderr: status.stderr }).toEqual({ code: 3, stderr: expect.stringMatching(/that user cannot enter \/root(\/foundation-home-\w+)? \(mode 0700/) });
        expect(fallback).toBeDefined();
        expect(existsSync(path.join(fallback!, 'pg17-dev', 'PG_VERSION')) || readdirSync(fallback!).some((name) => /^pg\d+-dev$/.test(name))).toBe(true);
        expect(existsSync(path.join(copy, '.pgdata'))).toBe(false);
      } finally {
        if (fallback) rmSync(fallback, { recursive: true, force: true });
      }
    });
  });
});
