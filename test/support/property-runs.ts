/**
 * Run counts and seeds of the property tests (fast-check).
 *
 * - FOUNDATION_PROPERTY_RUNS: runs per property. `.ci/run` sets it in the hundreds; without it a
 *   local run does DEFAULT_RUNS, enough to catch most regressions in a few seconds.
 * - FOUNDATION_PROPERTY_SEED: replays a run that failed (fast-check prints the seed, and the
 *   path of the smallest failing case, when a property fails; the seed is also printed at the
 *   start, so a run that hangs or crashes can be replayed too).
 */
export const RUNS_VARIABLE = 'FOUNDATION_PROPERTY_RUNS';
export const SEED_VARIABLE = 'FOUNDATION_PROPERTY_SEED';
export const DEFAULT_RUNS = 25;

export function propertySettings(property: string, env: NodeJS.ProcessEnv = process.env): { numRuns: number; seed: number; timeoutMs: number } {
  const numRuns = parseInteger(env[RUNS_VARIABLE], RUNS_VARIABLE) ?? DEFAULT_RUNS;
  if (numRuns < 1) throw new Error(`${RUNS_VARIABLE} must be at least 1, not ${numRuns}`);
  const seed = parseInteger(env[SEED_VARIABLE], SEED_VARIABLE) ?? (Math.random() * 2 ** 31) | 0;
  process.stdout.write(`property "${property}": ${numRuns} runs, seed ${seed} (replay with ${SEED_VARIABLE}=${seed})\n`);
  // jest's per-test limit, scaled with the runs (a run takes well under a second on a busy machine).
  return { numRuns, seed, timeoutMs: 60_000 + numRuns * 2_000 };
}

function parseInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new Error(`${name} must be an integer, not ${JSON.stringify(value)}`);
  return Number.parseInt(value, 10);
}
