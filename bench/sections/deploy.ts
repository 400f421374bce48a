import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, dropDatabase } from '../lib/databases';
import { findPsql } from '../lib/psql';
import { migrateDatabase } from '../../src/database/migrate-database';
import { CLI_PATHS, CliPath, migrationCli } from '../lib/migration-cli';
import { progressBar } from '../lib/progress';
import { recordMigrationSql } from '../lib/record-migration-sql';
import { CommandLine, peakRss, timeProcessOrFail } from '../lib/run-process';
import { median, round } from '../lib/stats';
import { BenchContext, Figure, SectionResult, target } from '../lib/types';

const TITLE = 'Deploy path';

/**
 * Whole-process wall time of `migration:run`: a no-op run (everything applied) through each
 * CLI path, and a full run on an empty database against psql applying the same SQL in one
 * session (the floor). Paths are run in turn, round after round, so drift in the shared
 * machine's load hits each path alike; one unrecorded warm-up round fills the file cache.
 */
export async function measureDeploy(ctx: BenchContext): Promise<SectionResult> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  const runs = ctx.scale.processRuns;

  const noop = await createDatabase(ctx.admin, 'bench_deploy_noop');
  const noopSeconds = new Map<CliPath, number[]>(CLI_PATHS.map((p) => [p, []]));
  try {
    await migrateDatabase(noop);
    const bar = progressBar('deploy: no-op migration:run', (runs + 1) * CLI_PATHS.length);
    for (let round = 0; round <= runs; round++) {
      for (const cliPath of CLI_PATHS) {
        const seconds = await timedCli(ctx, `${cliPath}, no-op`, migrationCli(ctx.root, cliPath, noop));
        if (round > 0) noopSeconds.get(cliPath)!.push(seconds);
        bar.tick();
      }
    }
    bar.stop();
  } finally {
    await dropDatabase(ctx.admin, 'bench_deploy_noop');
  }
  for (const cliPath of CLI_PATHS) figures.push({ name: `no-op migration:run, ${cliPath} (median of ${runs})`, value: round(median(noopSeconds.get(cliPath)!), 3), unit: 's' });
  const compiledNoop = median(noopSeconds.get('compiled')!);
  const typeCheckNoop = median(noopSeconds.get('ts-node type-checking')!);
  const speedup = typeCheckNoop / compiledNoop;
  figures.push({ name: 'type-checking ts-node / compiled (no-op)', value: round(speedup, 2), unit: 'x' });

  // The floor: the migrations' own SQL, recorded while migrating a scratch database.
  const scratch = await createDatabase(ctx.admin, 'bench_deploy_record');
  let recorded: Awaited<ReturnType<typeof recordMigrationSql>>;
  try {
    recorded = await recordMigrationSql(scratch);
  } finally {
    await dropDatabase(ctx.admin, 'bench_deploy_record');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'foundation-bench-sql-'));
  const scriptFile = path.join(dir, 'migrations.sql');
  writeFileSync(scriptFile, recorded.script);
  notes.push(`psql floor: ${recorded.statements} statements of ${recorded.migrations} migrations, one transaction per migration, one psql session`);

  const psql = findPsql();
  const fullSeconds: number[] = [];
  const psqlSeconds: number[] = [];
  try {
    const bar = progressBar('deploy: full run vs psql', runs * 2);
    for (let round = 0; round < runs; round++) {
      const forCli = await createDatabase(ctx.admin, 'bench_deploy_full');
      fullSeconds.push(await timedCli(ctx, 'compiled, full run on an empty database', migrationCli(ctx.root, 'compiled', forCli)));
      bar.tick();
      if (psql) {
        const forPsql = await createDatabase(ctx.admin, 'bench_deploy_psql');
        psqlSeconds.push(
          await timeProcessOrFail({ command: psql, args: ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', scriptFile, forPsql.url], cwd: ctx.root }),
        );
      }
      bar.tick();
    }
    bar.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase(ctx.admin, 'bench_deploy_full');
    await dropDatabase(ctx.admin, 'bench_deploy_psql');
  }
  const full = median(fullSeconds);
  figures.push({ name: `full migration:run on an empty database, compiled (median of ${runs})`, value: round(full, 3), unit: 's' });
  let ratio: number | null = null;
  if (psql) {
    const floor = median(psqlSeconds);
    ratio = full / floor;
    figures.push({ name: `same SQL through psql, one session (median of ${runs})`, value: round(floor, 3), unit: 's' });
    figures.push({ name: 'full run / psql floor', value: round(ratio, 2), unit: 'x' });
  } else {
    notes.push('psql not found on PATH: the floor was not measured');
  }

  return {
    title: TITLE,
    measured: true,
    figures,
    notes,
    targets: [
      target('no-op deploy run (compiled)', '<= 1 s', round(compiledNoop, 3), 's', (v) => v <= 1),
      target('no-op: type-checking ts-node / compiled', '>= 4x', round(speedup, 2), 'x', (v) => v >= 4),
      target('full run / psql floor', '<= 3x', ratio === null ? null : round(ratio, 2), 'x', (v) => v <= 3),
    ],
  };
}

/**
 * Wall time of one CLI run, which also records its peak memory for the memory section
 * (under GNU time, whose own start-up costs every path the same millisecond or two).
 */
async function timedCli(ctx: BenchContext, label: string, line: CommandLine): Promise<number> {
  const run = await peakRss(line);
  const previous = ctx.cliPeakRss.get(label);
  if (!previous || previous.kilobytes < run.kilobytes) ctx.cliPeakRss.set(label, { kilobytes: run.kilobytes, method: run.method });
  return run.seconds;
}
