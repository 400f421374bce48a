import { execFileSync } from 'node:child_process';

/** psql on PATH, if any: the floor of the deploy benchmarks. */
export function findPsql(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
