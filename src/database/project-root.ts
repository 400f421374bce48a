import { existsSync } from 'node:fs';
import path from 'node:path';

/** The nearest folder at or above `start` that holds a package.json. */
export function packageRootOf(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

/**
 * This project's root. Sources run from `src/` under ts-node and from `dist/src/` once
 * compiled, so it is found by walking up rather than by a fixed relative path.
 */
export function projectRoot(): string {
  return packageRootOf(__dirname);
}
