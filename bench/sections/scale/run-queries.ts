import { Client } from 'pg';
import { enterTenant } from '../../../src/database/tenant-context/enter-tenant';
import { APP_ROLE } from '../../lib/capabilities';
import { progressBar } from '../../lib/progress';
import { msSince, percentile, round } from '../../lib/stats';
import { ScaleQuery } from './queries';

export interface Latencies {
  p50: number;
  p95: number;
  p99: number;
  runs: number;
}

export interface QueryTiming {
  bypass: Latencies;
  /** Absent when the application role could not be measured; `rlsSkipped` says why. */
  rls?: Latencies;
  rlsSkipped?: string;
}

const WARM_UP_RUNS = 50;

/**
 * Opens the connection the application role's queries go through: the bench's superuser
 * connection with `SET ROLE`, so the same server and settings serve both sides and only the
 * role (and so row-level security) differs.
 */
export async function connectAsApplicationRole(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: 'foundation-db bench (app role)' });
  await client.connect();
  await client.query(`SET ROLE ${APP_ROLE}`);
  return client;
}

/**
 * Runs `query` `runs` times with parameters drawn in turn from `samples`, once per run as the
 * bypassing role with the tenant filter by hand and, when `app` is given, once as the
 * application role inside the tenant's context, entered with a proof (how `withTenant` works).
 *
 * Both sides run inside BEGIN ... COMMIT and only the query itself is timed, so neither pays
 * for a commit the other does not; entering the tenant before the application role's query is
 * the tenant context's cost (measured by the tenant-context section), not row-level security's.
 * Each policy's check of the context (`current_tenant_id()`, once per query) is in the timing. The sides alternate which goes first, run
 * after run, so neither always finds the buffers the other just read, and load on the shared
 * machine hits both alike.
 */
export async function timeQuery(query: ScaleQuery, samples: string[][], runs: number, bypass: Client, app: Client | undefined): Promise<QueryTiming> {
  const bypassMs: number[] = [];
  const rlsMs: number[] = [];
  let rlsError: string | undefined;

  const runBypass = async (sample: string[], record: boolean) => {
    await bypass.query('BEGIN');
    const started = process.hrtime.bigint();
    await bypass.query(query.bypassSql, sample);
    if (record) bypassMs.push(msSince(started));
    await bypass.query('COMMIT');
  };
  const runRls = async ([tenantId, ...rest]: string[], record: boolean) => {
    if (!app || rlsError) return;
    try {
      await app.query('BEGIN');
      await enterTenant(app, tenantId!);
      const started = process.hrtime.bigint();
      await app.query(query.rlsSql, rest);
      if (record) rlsMs.push(msSince(started));
      await app.query('COMMIT');
    } catch (error) {
      rlsError = `as ${APP_ROLE}: ${(error as Error).message}`;
      await app.query('ROLLBACK').catch(() => undefined);
    }
  };

  const bar = progressBar(`scale: ${query.name}`.slice(0, 34), runs + WARM_UP_RUNS);
  try {
    for (let i = 0; i < runs + WARM_UP_RUNS; i++) {
      const sample = samples[i % samples.length]!;
      const record = i >= WARM_UP_RUNS;
      if (i % 2 === 0) {
        await runBypass(sample, record);
        await runRls(sample, record);
      } else {
        await runRls(sample, record);
        await runBypass(sample, record);
      }
      bar.tick();
    }
  } finally {
    bar.stop();
  }
  const summary = (ms: number[]): Latencies => ({
    p50: round(percentile(ms, 50), 3),
    p95: round(percentile(ms, 95), 3),
    p99: round(percentile(ms, 99), 3),
    runs: ms.length,
  });
  if (!app) return { bypass: summary(bypassMs) };
  if (rlsError) return { bypass: summary(bypassMs), rlsSkipped: rlsError };
  return { bypass: summary(bypassMs), rls: summary(rlsMs) };
}
