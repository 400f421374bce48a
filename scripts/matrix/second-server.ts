/**
 * `.ci/run`'s second server: which PostgreSQL major the server at a URL runs, as it reports it
 * itself, and so which majors the embedded matrix still has to add.
 *
 *   ts-node scripts/matrix/second-server.ts postgres://postgres@127.0.0.1:5432/postgres
 *   -> "15 14,16,18"   (the suite runs on that server, the matrix adds 14, 16 and 18)
 *   -> "none 14,15,16,18"   (nothing usable answers there: the matrix adds every other major)
 *
 * Why ask: whatever listens on 127.0.0.1:5432 need not be PostgreSQL 15 (another major, a
 * pooler, something else). Leaving 15 out of the matrix because a port answered would leave
 * 15 untested. Only a supported major other than the embedded default's counts; why it did
 * not is printed on stderr.
 */
import { Client } from 'pg';
import { resolveEmbeddedPackage } from '../../src/database/embedded-package';
import { MATRIX_PACKAGE_VERSIONS, majorOf } from './postgres-versions';

/** `server_version_num` (e.g. 150014) -> 15; PostgreSQL 10 and later number their majors this way. */
export function majorOfVersionNum(versionNum: string): number {
  const value = Number.parseInt(versionNum, 10);
  if (!Number.isInteger(value) || value < 100000) throw new Error(`server_version_num ${JSON.stringify(versionNum)} is not that of PostgreSQL 10 or later`);
  return Math.floor(value / 10000);
}

/** The major the server at `url` reports (`current_setting('server_version_num')`). */
export async function reportedMajor(url: string, connectTimeoutMs = 5000): Promise<number> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, application_name: 'foundation-db ci' });
  await client.connect();
  try {
    const { rows } = await client.query<{ num: string }>(`SELECT current_setting('server_version_num') AS num`);
    return majorOfVersionNum(rows[0]!.num);
  } finally {
    await client.end();
  }
}

/**
 * The majors the embedded matrix runs: every supported major except the embedded default's
 * (npm test ran on it) and the second server's, when that one is supported and not the
 * default's.
 */
export function matrixMajors(embeddedMajor: number, secondServerMajor: number | undefined): number[] {
  return MATRIX_PACKAGE_VERSIONS.map(majorOf).filter((major) => major !== embeddedMajor && major !== secondServerMajor);
}

/** Whether the suite should run on a server of this major as the second server. */
export function usableSecondServer(embeddedMajor: number, major: number | undefined): major is number {
  return major !== undefined && major !== embeddedMajor && MATRIX_PACKAGE_VERSIONS.map(majorOf).includes(major);
}

async function main(): Promise<void> {
  const url = process.argv[2];
  if (!url) throw new Error('usage: second-server.ts <postgres://url>');
  const embeddedMajor = majorOf(resolveEmbeddedPackage({}).version);
  let major: number | undefined;
  try {
    major = await reportedMajor(url);
  } catch (error) {
    process.stderr.write(`no PostgreSQL usable at ${new URL(url).host}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  if (major !== undefined && !usableSecondServer(embeddedMajor, major)) {
    process.stderr.write(`the server at ${new URL(url).host} reports PostgreSQL ${major}: not a second supported major beside the embedded ${embeddedMajor}\n`);
    major = undefined;
  }
  process.stdout.write(`${major ?? 'none'} ${matrixMajors(embeddedMajor, major).join(',')}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
