import { createDatabase, dropDatabase } from '../lib/databases';
import { CliPath, migrationCli } from '../lib/migration-cli';
import { peakRss } from '../lib/run-process';
import { round } from '../lib/stats';
import { BenchContext, Figure, SectionResult } from '../lib/types';

const TITLE = 'Memory';

/**
 * Peak resident memory of the migration CLI process: a full run on an empty database and a
 * no-op run through the compiled deploy path, and a no-op run through each ts-node path.
 * The deploy section already ran all of them (several times each, keeping the largest peak),
 * so its figures are reported when it ran; otherwise each is run once here.
 * There is no target; the figure tells a deploy how small its container may be.
 */
export async function measureMemory(ctx: BenchContext): Promise<SectionResult> {
  const runs: Array<[string, CliPath]> = [
    ['compiled, full run on an empty database', 'compiled'],
    ['compiled, no-op', 'compiled'],
    ['ts-node transpile-only, no-op', 'ts-node transpile-only'],
    ['ts-node type-checking, no-op', 'ts-node type-checking'],
  ];
  const fromDeploy = runs.every(([label]) => ctx.cliPeakRss.has(label));
  if (!fromDeploy) {
    const settings = await createDatabase(ctx.admin, 'bench_memory');
    try {
      for (const [label, cliPath] of runs) {
        const rss = await peakRss(migrationCli(ctx.root, cliPath, settings));
        ctx.cliPeakRss.set(label, { kilobytes: rss.kilobytes, method: rss.method });
      }
    } finally {
      await dropDatabase(ctx.admin, 'bench_memory');
    }
  }
  const figures: Figure[] = runs.map(([label]) => ({
    name: `migration:run, ${label}`,
    value: round(ctx.cliPeakRss.get(label)!.kilobytes / 1024, 1),
    unit: 'MiB',
  }));
  const method = ctx.cliPeakRss.get(runs[0]![0])!.method;
  const source = fromDeploy ? "the largest of the deploy section's runs" : 'one run each';
  return { title: TITLE, measured: true, figures, targets: [], notes: [`peak RSS by ${method}, ${source}`] };
}
