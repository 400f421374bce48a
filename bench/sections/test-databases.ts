import { ConnectionSettings } from '../../src/database/connection-settings';
import { startEmbeddedServer } from '../../src/database/embedded-server';
import { createDatabase, dropDatabase, withClient } from '../lib/databases';
import { migrateDatabase } from '../../src/database/migrate-database';
import { progressBar } from '../lib/progress';
import { median, msSince, round } from '../lib/stats';
import { BenchContext, SectionResult, target } from '../lib/types';

const TITLE = 'Test databases';
const TEMPLATE = 'bench_template';
/** A clone may take at most this share of a migration from scratch. */
const MAX_SHARE = 0.1;

/**
 * What each test file pays for its database: `CREATE DATABASE ... TEMPLATE <migrated>` (what
 * test/support does) against creating an empty database and running every migration in
 * process (what it would pay without the template). Both include creating the database.
 *
 * The target is judged where the suite runs: without DATABASE_URL, on a cluster set up like the
 * suite's own (`durable: false`, fsync off). The same pair is also measured on the bench's
 * durable cluster and reported beside it, since a CREATE DATABASE there waits for the disk.
 */
export async function measureTestDatabases(ctx: BenchContext): Promise<SectionResult> {
  if (!ctx.embedded) return summarise([await measureOn(ctx, ctx.admin, 'the DATABASE_URL server')]);
  ctx.log("test databases: starting a non-durable cluster like the test suite's");
  const server = await startEmbeddedServer({ name: 'bench-tests', database: 'postgres', durable: false });
  let suiteLike: Pair;
  try {
    suiteLike = await measureOn(ctx, server.settings, 'fsync off, like the test suite');
  } finally {
    await server.stop();
  }
  return summarise([suiteLike, await measureOn(ctx, ctx.admin, 'durable bench cluster')]);
}

interface Pair {
  where: string;
  runs: number;
  cloneMs: number;
  /** Creating the empty database and migrating it. */
  migrateMs: number;
  /** Of which creating the empty database from template0. */
  createMs: number;
  /** Cloning with STRATEGY FILE_COPY (PostgreSQL 15+). */
  fileCopyMs?: number;
}

/** The first pair is the one the target is judged on. */
function summarise(pairs: Pair[]): SectionResult {
  const figures = pairs.flatMap((p) => [
    { name: `clone the migrated template, ${p.where} (median of ${p.runs})`, value: round(p.cloneMs, 1), unit: 'ms' },
    { name: `create and migrate from scratch, ${p.where} (median of ${p.runs})`, value: round(p.migrateMs, 1), unit: 'ms' },
    { name: `  of which CREATE DATABASE from template0, ${p.where}`, value: round(p.createMs, 1), unit: 'ms' },
    { name: `clone / migrate, ${p.where}`, value: round(p.cloneMs / p.migrateMs, 3), unit: 'x' },
    ...(p.fileCopyMs === undefined
      ? []
      : [{ name: `clone with STRATEGY FILE_COPY, ${p.where} (median of ${p.runs})`, value: round(p.fileCopyMs, 1), unit: 'ms' }]),
  ]);
  const judged = pairs[0]!;
  return {
    title: TITLE,
    measured: true,
    figures,
    targets: [
      target(`clone / migrate from scratch (${judged.where})`, `<= ${MAX_SHARE}`, round(judged.cloneMs / judged.migrateMs, 3), 'x', (v) => v <= MAX_SHARE),
    ],
    notes: [
      'CREATE DATABASE itself (copying a template) is most of both sides on this machine; the share falls as migrations are added',
    ],
  };
}

async function measureOn(ctx: BenchContext, admin: ConnectionSettings, where: string): Promise<Pair> {
  const runs = ctx.scale.processRuns;
  const template = await createDatabase(admin, TEMPLATE);
  const cloneMs: number[] = [];
  const migrateMs: number[] = [];
  const createMs: number[] = [];
  let fileCopyMs: number[] | undefined;
  try {
    await migrateDatabase(template);
    const version = await withClient(admin, (client) => client.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`));
    if (version.rows[0]!.v >= 150000) fileCopyMs = [];
    const bar = progressBar(`test databases: ${where}`.slice(0, 34), runs * 2);
    for (let i = 0; i < runs; i++) {
      // The previous round's databases are dropped outside the timing.
      await dropDatabase(admin, 'bench_clone');
      await dropDatabase(admin, 'bench_fresh');
      let started = process.hrtime.bigint();
      await createDatabase(admin, 'bench_clone', TEMPLATE);
      cloneMs.push(msSince(started));
      bar.tick();
      // PostgreSQL 15+ copies a template block by block through the WAL by default; the old
      // file copy (a checkpoint, then a directory copy) is the alternative a suite could pick.
      if (fileCopyMs) {
        await dropDatabase(admin, 'bench_clone');
        started = process.hrtime.bigint();
        await withClient(admin, (client) => client.query(`CREATE DATABASE bench_clone TEMPLATE ${TEMPLATE} STRATEGY FILE_COPY`));
        fileCopyMs.push(msSince(started));
      }
      started = process.hrtime.bigint();
      const empty = await createDatabase(admin, 'bench_fresh');
      createMs.push(msSince(started));
      await migrateDatabase(empty);
      migrateMs.push(msSince(started));
      bar.tick();
    }
    bar.stop();
  } finally {
    await dropDatabase(admin, 'bench_clone');
    await dropDatabase(admin, 'bench_fresh');
    await dropDatabase(admin, TEMPLATE);
  }
  return { where, runs, cloneMs: median(cloneMs), migrateMs: median(migrateMs), createMs: median(createMs), fileCopyMs: fileCopyMs && median(fileCopyMs) };
}
