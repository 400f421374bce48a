import { Client } from 'pg';
import { APP_ROLE, AUDIT_TABLE, Capabilities, detectCapabilities } from '../../lib/capabilities';
import { createDatabase, dropDatabase } from '../../lib/databases';
import { migrateDatabase } from '../../../src/database/migrate-database';
import { installTenantContextKey, resolveTenantContextKey } from '../../../src/database/tenant-context';
import { round } from '../../lib/stats';
import { BenchContext, Figure, SectionResult, TargetOutcome, target } from '../../lib/types';
import { generateAuditEvents } from './generate-audit';
import { generateCoreData } from './generate-core';
import { SCALE_QUERIES, ScaleQuery } from './queries';
import { connectAsApplicationRole, Latencies, timeQuery } from './run-queries';

const TITLE = 'Scale: tenant-scoped reads';
const DATABASE = 'bench_scale';
/** Parameter sets drawn per query; runs cycle through them. */
const SAMPLES = 200;
/** Row-level security may cost at most this much over the hand-filtered query (p50 against p50). */
const RLS_MAX_RATIO = 1.2;

/**
 * Generates the data set on a freshly migrated database, then times each tenant-scoped read
 * two ways: the best query a superuser can write for the same answer, with the tenant filter by
 * hand, and the application's isolated path, as the application role under row-level security,
 * through whatever the application must use (search_clients_by_name_tokens for name search).
 * Their ratio is the RLS cost judged. Queries on tables the catalog lacks are reported as not measured.
 */
export async function measureScale(ctx: BenchContext): Promise<SectionResult> {
  const figures: Figure[] = [];
  const targets: TargetOutcome[] = [];
  const notes: string[] = [];
  const tableRows: string[][] = [];
  const settings = await createDatabase(ctx.admin, DATABASE);
  const bypass = new Client({ connectionString: settings.url, application_name: 'foundation-db bench' });
  let app: Client | undefined;
  try {
    ctx.log(`scale: migrating ${DATABASE}`);
    await migrateDatabase(settings);
    await bypass.connect();
    await installTenantContextKey(bypass, resolveTenantContextKey());
    const capabilities = await detectCapabilities(bypass);

    ctx.log('scale: generating data');
    figures.push(...(await generateCoreData(bypass, ctx.scale)));
    let auditReady = capabilities.auditTable;
    if (!capabilities.auditTable) {
      notes.push(`audit events not generated: ${AUDIT_TABLE} does not exist in the migrated catalog`);
    } else {
      const audit = await generateAuditEvents(bypass, ctx.scale, capabilities);
      figures.push(...audit.figures);
      if (audit.failure) {
        auditReady = false;
        notes.push(`audit events not generated: ${audit.failure}`);
      }
    }
    await bypass.query('ANALYZE');

    const rlsUnavailable = applicationRoleProblem(capabilities);
    if (rlsUnavailable) notes.push(`row-level security side not measured: ${rlsUnavailable}`);
    else app = await connectAsApplicationRole(settings.url);

    for (const query of SCALE_QUERIES) {
      if (query.needsAudit && !auditReady) {
        notes.push(`"${query.name}" not measured: no audit events (see above)`);
        // Listed all the same, so every target of the issue appears in the verdicts.
        targets.push(target(`${query.name}: p95`, `< ${query.p95TargetMs} ms`, null, 'ms', () => false));
        targets.push(target(`${query.name}: RLS cost (application path / superuser hand-filtered, p50)`, `<= ${RLS_MAX_RATIO}x`, null, 'x', () => false));
        continue;
      }
      const table = tableOf(query);
      const appForQuery = app && capabilities.forcedRlsTables.has(table) ? app : undefined;
      if (app && !appForQuery) notes.push(`"${query.name}" as ${APP_ROLE} not measured: ${table} has no forced row-level security`);
      const samples = await query.sample(bypass, SAMPLES);
      const timing = await timeQuery(query, samples, ctx.scale.queryRuns, bypass, appForQuery);
      const { bypass: b, rls } = timing;
      figures.push(...latencyFigures(`${query.name}, superuser with the tenant filter by hand`, b));
      const row = [query.name, fmt(b.p50), fmt(b.p95), fmt(b.p99), '', '', '', '', String(b.runs)];
      tableRows.push(row);
      if (query.informational) {
        notes.push(`"${query.name}" is informational, not judged: ${query.informational}`);
        if (rls) {
          figures.push(...latencyFigures(`${query.name}, application path as ${APP_ROLE} under RLS`, rls));
          figures.push({ name: `${query.name}: RLS cost = application path / superuser hand-filtered, p50`, value: round(rls.p50 / b.p50, 2), unit: 'x', inTable: true });
          row.splice(4, 4, fmt(rls.p50), fmt(rls.p95), fmt(rls.p99), `${round(rls.p50 / b.p50, 2)}x`);
        }
        continue;
      }
      targets.push(target(`${query.name}: p95 (superuser, tenant filter by hand)`, `< ${query.p95TargetMs} ms`, b.p95, 'ms', (v) => v < query.p95TargetMs));
      if (timing.rlsSkipped) notes.push(`"${query.name}" ${timing.rlsSkipped}`);
      if (rls) {
        const ratio = round(rls.p50 / b.p50, 2);
        figures.push(...latencyFigures(`${query.name}, application path as ${APP_ROLE} under RLS`, rls));
        figures.push({ name: `${query.name}: RLS cost = application path / superuser hand-filtered, p50`, value: ratio, unit: 'x', inTable: true });
        figures.push({ name: `${query.name}: RLS cost = application path / superuser hand-filtered, p95`, value: round(rls.p95 / b.p95, 2), unit: 'x', inTable: true });
        row.splice(4, 4, fmt(rls.p50), fmt(rls.p95), fmt(rls.p99), `${ratio}x`);
        targets.push(target(`${query.name}: p95 (application path as ${APP_ROLE})`, `< ${query.p95TargetMs} ms`, rls.p95, 'ms', (v) => v < query.p95TargetMs));
        targets.push(target(`${query.name}: RLS cost (application path / superuser hand-filtered, p50)`, `<= ${RLS_MAX_RATIO}x`, ratio, 'x', (v) => v <= RLS_MAX_RATIO));
      } else {
        targets.push(target(`${query.name}: RLS cost (application path / superuser hand-filtered, p50)`, `<= ${RLS_MAX_RATIO}x`, null, 'x', () => false));
      }
    }
  } finally {
    await app?.end().catch(() => undefined);
    await bypass.end().catch(() => undefined);
    await dropDatabase(ctx.admin, DATABASE);
  }
  const header = ['query (ms)', 'superuser p50', 'p95', 'p99', 'app path p50', 'p95', 'p99', 'RLS cost', 'runs'];
  return { title: TITLE, measured: true, figures, targets, notes, table: { header, rows: tableRows } };
}

const fmt = (ms: number) => ms.toFixed(2);

function latencyFigures(label: string, l: Latencies): Figure[] {
  return (['p50', 'p95', 'p99'] as const).map((p) => ({ name: `${label}: ${p} over ${l.runs} runs`, value: l[p], unit: 'ms', inTable: true }));
}

function applicationRoleProblem(capabilities: Capabilities): string | undefined {
  if (!capabilities.appRole) return `role ${APP_ROLE} does not exist in the migrated catalog`;
  if (capabilities.forcedRlsTables.size === 0) return 'no table has forced row-level security';
  return undefined;
}

function tableOf(query: ScaleQuery): string {
  return query.table ?? /\bFROM\s+(\w+)/i.exec(query.rlsSql)![1]!;
}
