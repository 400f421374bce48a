import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { ConnectionSettings } from '../../../src/database/connection-settings';
import { createDatabase, dropDatabase, withClient } from '../../lib/databases';
import { findPsql } from '../../lib/psql';
import { progressBar } from '../../lib/progress';
import { recordMigrationSql } from '../../lib/record-migration-sql';
import { CommandLine, peakRss, timeProcessOrFail } from '../../lib/run-process';
import { median, round } from '../../lib/stats';
import { BenchContext, Figure, SectionResult, TargetOutcome, target } from '../../lib/types';
import { createPeerWorkspace, PeerWorkspace } from './workspace';

const TITLE = 'Peer: stock TypeORM vs the project';
type Runner = 'stock' | 'project';
const RUNNERS: readonly Runner[] = ['stock', 'project'];

/** Generated trivial migrations added for the second size (the N). */
export const DEFAULT_EXTRA = 300;
const QUICK_EXTRA = 100;

interface Trials {
  full: number[];
  noop: number[];
  /** Peak RSS (kB) of each full apply. */
  rss: number[];
  /** CPU seconds (user + system) of the CLI process, full apply and no-op: robust to the machine's load. */
  fullCpu: number[];
  noopCpu: number[];
}

/**
 * Whole-process `typeorm migration:run` through stock TypeORM (a plain DataSource on the same
 * compiled migrations, migrations table and transaction mode) and through the project's compiled
 * deploy path (dist/ormconfig.js), at today's migrations and with N generated trivial ones added:
 * a full apply on a fresh empty database, then a no-op run on that same database. The two
 * runners take turns, the order alternating trial by trial, each on its own fresh database; one
 * unrecorded warm-up trial first. psql applying the migrations' own SQL is the floor.
 */
export async function measurePeer(ctx: BenchContext): Promise<SectionResult> {
  const extra = Number(process.env.BENCH_PEER_MIGRATIONS ?? (ctx.quick ? QUICK_EXTRA : DEFAULT_EXTRA));
  const trials = ctx.scale.processRuns;
  const figures: Figure[] = [];
  const notes: string[] = [];
  const psql = findPsql();
  const baseScript = await recordFloor(ctx);
  const results = new Map<number, { stock: Trials; project: Trials; psql: number[]; migrations: number }>();

  for (const size of [0, extra]) {
    const workspace = createPeerWorkspace(ctx.root, size);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foundation-bench-peer-'));
    try {
      const script = path.join(dir, 'floor.sql');
      writeFileSync(script, [baseScript.script, ...workspace.generatedUpSql.map((sql) => `BEGIN;\n${sql};\nCOMMIT;`)].join('\n'));
      const migrations = baseScript.migrations + size;
      const byRunner = { stock: empty(), project: empty(), psql: [] as number[], migrations };
      const bar = progressBar(`peer: ${migrations} migrations`, (trials + 1) * 3);
      for (let trial = 0; trial <= trials; trial++) {
        const order = trial % 2 === 0 ? RUNNERS : [...RUNNERS].reverse();
        for (const runner of order) {
          const run = await fullThenNoop(ctx, workspace, runner, migrations);
          if (trial > 0) {
            byRunner[runner].full.push(run.full);
            byRunner[runner].noop.push(run.noop);
            byRunner[runner].rss.push(run.rssKb);
            if (run.fullCpu !== undefined) byRunner[runner].fullCpu.push(run.fullCpu);
            if (run.noopCpu !== undefined) byRunner[runner].noopCpu.push(run.noopCpu);
          }
          bar.tick();
        }
        if (psql) {
          const db = await createDatabase(ctx.admin, 'bench_peer_psql');
          try {
            const seconds = await timeProcessOrFail({ command: psql, args: ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', script, db.url], cwd: ctx.root });
            if (trial > 0) byRunner.psql.push(seconds);
          } finally {
            await dropDatabase(ctx.admin, 'bench_peer_psql');
          }
        }
        bar.tick();
      }
      bar.stop();
      results.set(size, byRunner);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      workspace.remove();
    }
  }

  const targets: TargetOutcome[] = [];
  const rows: string[][] = [];
  for (const [size, r] of results) {
    const label = size === 0 ? `today's ${r.migrations}` : `${r.migrations} (+${size} generated)`;
    const m = (xs: number[]) => median(xs);
    // Judged on the median of each trial's own ratio: the two runs of a trial are seconds apart,
    // so load that comes and goes on a shared machine cancels out of their ratio; the ratio of
    // the medians (also reported) mixes runs minutes apart.
    const fullRatio = pairedMedian(r.project.full, r.stock.full, (p, s) => p / s);
    const noopRatio = pairedMedian(r.project.noop, r.stock.noop, (p, s) => p / s);
    rows.push([
      label,
      ms(m(r.stock.full)),
      ms(m(r.project.full)),
      `${round(fullRatio, 2)}x`,
      r.psql.length ? ms(m(r.psql)) : '-',
      ms(m(r.stock.noop)),
      ms(m(r.project.noop)),
      `${round(noopRatio, 2)}x`,
      `${Math.round(m(r.stock.rss) / 1024)}/${Math.round(m(r.project.rss) / 1024)} MiB`,
    ]);
    const key = size === 0 ? 'today' : `+${size}`;
    figures.push(
      { name: `full apply, stock TypeORM, ${label} migrations (median of ${trials})`, value: round(m(r.stock.full), 3), unit: 's', inTable: true },
      { name: `full apply, project deploy path, ${label} migrations (median of ${trials})`, value: round(m(r.project.full), 3), unit: 's', inTable: true },
      { name: `full apply project / stock, ${key} (median of the trials' ratios)`, value: round(fullRatio, 3), unit: 'x', inTable: true },
      { name: `full apply project / stock, ${key} (ratio of the medians)`, value: round(m(r.project.full) / m(r.stock.full), 3), unit: 'x' },
      { name: `no-op run, stock TypeORM, ${label} migrations (median of ${trials})`, value: round(m(r.stock.noop), 3), unit: 's', inTable: true },
      { name: `no-op run, project deploy path, ${label} migrations (median of ${trials})`, value: round(m(r.project.noop), 3), unit: 's', inTable: true },
      { name: `no-op project / stock, ${key} (median of the trials' ratios)`, value: round(noopRatio, 3), unit: 'x', inTable: true },
      { name: `no-op project / stock, ${key} (ratio of the medians)`, value: round(m(r.project.noop) / m(r.stock.noop), 3), unit: 'x' },
      { name: `peak RSS of a full apply, stock TypeORM, ${label} migrations (median)`, value: Math.round(m(r.stock.rss)), unit: 'kB', inTable: true },
      { name: `peak RSS of a full apply, project deploy path, ${label} migrations (median)`, value: Math.round(m(r.project.rss)), unit: 'kB', inTable: true },
    );
    if (r.project.fullCpu.length && r.stock.fullCpu.length) {
      figures.push(
        { name: `CPU of the CLI process, full apply, project / stock, ${key}`, value: round(m(r.project.fullCpu) / m(r.stock.fullCpu), 3), unit: 'x' },
        { name: `CPU of the CLI process, no-op, project / stock, ${key}`, value: round(m(r.project.noopCpu) / m(r.stock.noopCpu), 3), unit: 'x' },
        { name: `CPU of the CLI process, no-op, project - stock, ${key}`, value: Math.round((m(r.project.noopCpu) - m(r.stock.noopCpu)) * 1000), unit: 'ms' },
      );
    }
    if (r.psql.length) {
      figures.push({ name: `same SQL through psql (floor), ${label} migrations (median of ${trials})`, value: round(m(r.psql), 3), unit: 's', inTable: true });
    }
    targets.push(
      target(`peer: full apply / stock TypeORM, ${label} migrations`, '<= 1.10x', round(fullRatio, 2), 'x', (v) => v <= 1.1),
      target(`peer: no-op run / stock TypeORM, ${label} migrations`, '<= 1.05x', round(noopRatio, 2), 'x', (v) => v <= 1.05),
    );
  }
  const base = results.get(0)!;
  const grown = results.get(extra)!;
  const perMigration = (r: Trials, g: Trials) => ((median(g.full) - median(r.full)) / extra) * 1000;
  const stockPer = perMigration(base.stock, grown.stock);
  const projectPer = perMigration(base.project, grown.project);
  // Above stock, per migration: how much more the project's lead over stock grows (each trial's
  // own difference, median) from today's migrations to +N, divided by N.
  const lead = (r: { stock: Trials; project: Trials }) => pairedMedian(r.project.full, r.stock.full, (p, s) => p - s);
  const abovePer = ((lead(grown) - lead(base)) / extra) * 1000;
  figures.push(
    { name: 'full apply cost per added migration, stock TypeORM (difference of medians)', value: round(stockPer, 2), unit: 'ms' },
    { name: 'full apply cost per added migration, project deploy path (difference of medians)', value: round(projectPer, 2), unit: 'ms' },
    { name: 'full apply cost per added migration above stock (paired trials)', value: round(abovePer, 2), unit: 'ms' },
  );
  targets.push(target('peer: cost per migration above stock TypeORM', '<= 1 ms', round(abovePer, 2), 'ms', (v) => v <= 1));
  if (!psql) notes.push('psql not found on PATH: the floor was not measured');
  notes.push(
    `full apply: typeorm migration:run on a fresh empty database; no-op: the same command again on it; ${trials} trials after a warm-up, order alternating`,
    'CPU figures: user + system time of the CLI process alone (GNU time), which other load on a shared machine hardly moves; the targets are judged on wall time',
    `stock = a plain TypeORM DataSource (migrations, migrationsTableName "schema_migrations", migrationsTransactionMode "each"); project = dist/ormconfig.js with its safety layer`,
  );
  if (ctx.quick) notes.push(`quick run: +${extra} generated migrations (a full run uses +${DEFAULT_EXTRA}; BENCH_PEER_MIGRATIONS overrides)`);
  return {
    title: TITLE,
    measured: true,
    figures,
    notes,
    targets,
    table: { header: ['migrations', 'stock full', 'project full', 'ratio', 'psql floor', 'stock no-op', 'project no-op', 'ratio', 'peak RSS stock/project'], rows },
  };
}

/** Median over trials of f(project run, stock run) of the same trial. */
function pairedMedian(project: number[], stock: number[], f: (p: number, s: number) => number): number {
  return median(project.map((p, i) => f(p, stock[i]!)));
}

function empty(): Trials {
  return { full: [], noop: [], rss: [], fullCpu: [], noopCpu: [] };
}

function ms(seconds: number): string {
  return `${Math.round(seconds * 1000)} ms`;
}

/** The project's own migrations' SQL, recorded while migrating a scratch database. */
async function recordFloor(ctx: BenchContext): Promise<{ script: string; migrations: number }> {
  const scratch = await createDatabase(ctx.admin, 'bench_peer_record');
  try {
    return await recordMigrationSql(scratch);
  } finally {
    await dropDatabase(ctx.admin, 'bench_peer_record');
  }
}

/** A full apply on a fresh database, then a no-op run on it; checks both applied everything. */
async function fullThenNoop(ctx: BenchContext, workspace: PeerWorkspace, runner: Runner, migrations: number): Promise<{ full: number; noop: number; rssKb: number; fullCpu?: number; noopCpu?: number }> {
  const name = `bench_peer_${runner}`;
  const db = await createDatabase(ctx.admin, name);
  try {
    const line = cli(ctx, workspace, runner, db);
    const full = await peakRss(line);
    const noop = await peakRss(line);
    const applied = await withClient(db, (client: Client) => client.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations'));
    const count = Number(applied.rows[0]!.n);
    if (count !== migrations) throw new Error(`${runner} recorded ${count} migrations, expected ${migrations}`);
    return { full: full.seconds, noop: noop.seconds, rssKb: full.kilobytes, fullCpu: full.cpuSeconds, noopCpu: noop.cpuSeconds };
  } finally {
    await dropDatabase(ctx.admin, name);
  }
}

function cli(ctx: BenchContext, workspace: PeerWorkspace, runner: Runner, db: ConnectionSettings): CommandLine {
  const { TS_NODE_TYPE_CHECK: _a, TS_NODE_TRANSPILE_ONLY: _b, FOUNDATION_EMBEDDED_POSTGRES: _c, ...inherited } = process.env;
  const dataSource = runner === 'stock' ? workspace.stockDataSource : workspace.projectDataSource;
  return {
    command: path.join(ctx.root, 'node_modules', '.bin', 'typeorm'),
    args: ['migration:run', '-d', dataSource],
    env: { ...inherited, DATABASE_URL: db.url },
    cwd: ctx.root,
  };
}
