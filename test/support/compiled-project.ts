import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listProjectSources, writeCompiledCopy } from './compiled-copy';

/** Set by global setup for every worker: the folder holding this run's compiled copy. */
export const BUILD_VARIABLE = 'FOUNDATION_TEST_BUILD_DIR';

const PROJECT_ROOT = path.resolve(__dirname, '../..');
const BUILDS = path.join(PROJECT_ROOT, '.cache', 'test-build');
const COMPLETE = '.complete';

/**
 * Once per jest run (global setup): the project's deploy path (ormconfig.js, src/**) transpiled
 * to JavaScript under `.cache/test-build/<hash of the sources>/`, reused while the sources are
 * unchanged (the five suites of `.ci/run` build it once).
 *
 * Why: the tests start the project's commands about 150 times. Under ts-node each start
 * transpiles every imported source again (about 3 s of CPU on this machine's cores, 4-8 s while
 * the suite loads them); `node` on this copy starts in about 0.7 s. The copy is what
 * `npm run build` emits minus the type-check, which `npm test` runs first anyway. The ts-node
 * path the README's `npm run` commands use keeps its own tests (runtime 'ts-node' below).
 */
export function buildTestCopy(): string {
  const hash = createHash('sha256');
  for (const file of listProjectSources()) hash.update(file).update('\0').update(readFileSync(path.join(PROJECT_ROOT, file))).update('\0');
  hash.update(readFileSync(path.join(PROJECT_ROOT, 'tsconfig.json')));
  const dir = path.join(BUILDS, hash.digest('hex').slice(0, 16));
  if (!existsSync(path.join(dir, COMPLETE))) {
    // Built aside and renamed, so a second jest run in the same folder never sees half a copy.
    const partial = `${dir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    writeCompiledCopy(partial);
    writeFileSync(path.join(partial, COMPLETE), '');
    try {
      renameSync(partial, dir);
    } catch {
      // Another run finished the same copy first.
      rmSync(partial, { recursive: true, force: true });
    }
  }
  removeStaleBuilds(dir);
  return dir;
}

/** Copies of older sources, left a day ago or more (a run started earlier may still use a newer one). */
function removeStaleBuilds(keep: string): void {
  mkdirSync(BUILDS, { recursive: true });
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of readdirSync(BUILDS)) {
    const dir = path.join(BUILDS, name);
    if (dir !== keep && statSync(dir).mtimeMs < dayAgo) rmSync(dir, { recursive: true, force: true });
  }
}

/** The compiled file of a project source, e.g. `src/cli/migrations.ts` -> `<build>/src/cli/migrations.js`. */
export function compiledFile(source: string): string {
  const dir = process.env[BUILD_VARIABLE];
  if (!dir) throw new Error(`${BUILD_VARIABLE} is not set: run the tests through jest, whose global setup builds the compiled copy`);
  return path.join(dir, source.replace(/\.ts$/, '.js'));
}
