import 'reflect-metadata';
import { Client } from 'pg';
import { DataSourceOptions } from 'typeorm';
import { AUDIT_TABLE, detectCapabilities } from '../../lib/capabilities';
import { createDatabase, dropDatabase, withClient } from '../../lib/databases';
import { migrateDatabase } from '../../../src/database/migrate-database';
import { progressBar } from '../../lib/progress';
import { round } from '../../lib/stats';
import { BenchContext, Figure, SectionResult, TargetOutcome, notMeasured, target } from '../../lib/types';
import { buildDataSourceOptions } from '../../../src/database/data-source-options';
import { FoundationDataSource } from '../../../src/database/foundation-data-source';
import { AuditEvent, recordAuditEvent } from '../../../src/audit';
import { benchAuditEvent, plainRow } from './audit-api';
import { measureEvidence } from './evidence';

const TITLE = 'Audit writes';
const DATABASE = 'bench_audit';
const PLAIN_TABLE = 'bench_audit_plain';
const TENANTS = 100;
const CONNECTIONS = [1, 8];
/**
 * The audit API's share of the plain insert rate it must reach: 0.6 at 8 connections (issue 15),
 * 0.4 at one (the audit-log issue's target, kept).
 */
const MIN_SHARE: Record<number, number> = { 1: 0.4, 8: 0.6 };
/** Each side's time is split into this many turns, in the order plain, API, API, plain...  */
const TURNS = 4;

/**
 * Inserts per second through the audit API (its hash chain and triggers included) against
 * plain INSERTs of the same values into an unindexed, trigger-less copy of the table, with 1
 * and 8 connections, each for a fixed time. Events are spread over 100 tenants, so the
 * per-tenant chain lock is contended only as much as real traffic would contend it.
 * Both sides go through the same TypeORM DataSource, so the client overhead is the same, build
 * their rows from the same event the same way (once per row), are warmed up alike (one unrecorded
 * second each), and take turns (plain, API, API, plain), so drift in the shared machine's load
 * and the tables' growth hit both alike.
 */
export async function measureAuditWrites(ctx: BenchContext): Promise<SectionResult> {
  const settings = await createDatabase(ctx.admin, DATABASE);
  try {
    await migrateDatabase(settings);
    const setup = await withClient(settings, (client) => prepare(client));
    if (typeof setup === 'string') return unmeasured(setup);

    const figures: Figure[] = [];
    const targets: TargetOutcome[] = [];
    for (const connections of CONNECTIONS) {
      const options = { ...buildDataSourceOptions(settings), poolSize: connections } as DataSourceOptions;
      const dataSource = new FoundationDataSource(options, settings);
      await dataSource.initialize();
      try {
        const columns = setup.columns;
        const insert = `INSERT INTO ${PLAIN_TABLE} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`;
        const writers: Record<'plain' | 'api', (event: AuditEvent) => Promise<unknown>> = {
          plain: (event) => {
            const row = plainRow(event);
            return dataSource.manager.query(insert, columns.map((c) => row[c]));
          },
          api: (event) => recordAuditEvent(dataSource.manager, event),
        };
        for (const side of ['plain', 'api'] as const) await rate(ctx, `audit: warm-up ${side}, ${connections} conn`, connections, setup.tenantIds, writers[side], 1);
        const totals = { plain: { rows: 0, seconds: 0 }, api: { rows: 0, seconds: 0 } };
        for (let turn = 0; turn < TURNS; turn++) {
          const order = turn % 2 === 0 ? (['plain', 'api'] as const) : (['api', 'plain'] as const);
          for (const side of order) {
            const run = await timedRate(ctx, `audit: ${side}, ${connections} conn, ${turn + 1}/${TURNS}`, connections, setup.tenantIds, writers[side], ctx.scale.writeSeconds / TURNS);
            totals[side].rows += run.rows;
            totals[side].seconds += run.seconds;
          }
        }
        const plain = totals.plain.rows / totals.plain.seconds;
        const viaApi = totals.api.rows / totals.api.seconds;
        const share = round(viaApi / plain, 2);
        figures.push({ name: `plain inserts, ${connections} connection(s)`, value: Math.round(plain), unit: 'rows/s' });
        figures.push({ name: `audit API, ${connections} connection(s)`, value: Math.round(viaApi), unit: 'rows/s' });
        figures.push({ name: `audit API / plain, ${connections} connection(s)`, value: share, unit: 'x' });
        const min = MIN_SHARE[connections]!;
        targets.push(target(`audit API / plain rate, ${connections} connection(s)`, `>= ${min}x`, share, 'x', (v) => v >= min));
      } finally {
        await dataSource.destroy();
      }
    }
    const notes = [`${ctx.scale.writeSeconds} s per side and connection count, in ${TURNS} alternating turns after a 1 s warm-up of each; events spread over ${TENANTS} tenants; rows built the same way on both sides`];
    if (setup.evidence) {
      const dataSource = new FoundationDataSource(buildDataSourceOptions(settings), settings);
      await dataSource.initialize();
      try {
        figures.push(...(await measureEvidence(dataSource)));
      } finally {
        await dataSource.destroy();
      }
    } else {
      notes.push('checkpoint and verification not measured: the migrated catalog has no chain-reading functions');
    }
    return { title: TITLE, measured: true, figures, targets, notes };
  } finally {
    await dropDatabase(ctx.admin, DATABASE);
  }
}

/** Not measured, with the section's targets listed all the same so every target appears in the verdicts. */
function unmeasured(reason: string): SectionResult {
  const result = notMeasured(TITLE, reason);
  result.targets = CONNECTIONS.map((n) => target(`audit API / plain rate, ${n} connection(s)`, `>= ${MIN_SHARE[n]}x`, null, 'x', () => false));
  return result;
}

/** Tenants to write for, and the plain copy of the audit table; a reason when the catalog has no audit table. */
async function prepare(client: Client): Promise<{ tenantIds: string[]; columns: string[]; evidence: boolean } | string> {
  const capabilities = await detectCapabilities(client);
  if (!capabilities.auditTable) return `${AUDIT_TABLE} does not exist in the migrated catalog`;
  const columns = Object.keys(plainRow(benchAuditEvent('', 0))).filter((c) => capabilities.auditColumns.has(c));
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO tenants (name, slug) SELECT 'Audit bench ' || g, 'audit-bench-' || g FROM generate_series(1, $1) g RETURNING id`,
    [TENANTS],
  );
  // Same columns and defaults; no indexes, no triggers, no partitions, and no NOT NULL on the
  // columns that the chain trigger fills on the real table.
  await client.query(`CREATE TABLE ${PLAIN_TABLE} (LIKE ${AUDIT_TABLE} INCLUDING DEFAULTS)`);
  for (const column of capabilities.auditColumns.keys()) {
    if (!columns.includes(column)) await client.query(`ALTER TABLE ${PLAIN_TABLE} ALTER COLUMN ${client.escapeIdentifier(column)} DROP NOT NULL`);
  }
  const { rows: reading } = await client.query<{ present: boolean }>(`SELECT to_regprocedure('user_action_audit_log_chain_heads()') IS NOT NULL AS present`);
  return { tenantIds: rows.map((r) => r.id), columns, evidence: Boolean(reading[0]?.present) };
}

/** Rows per second that `connections` concurrent writers reach in `seconds`. */
async function rate(
  ctx: BenchContext,
  label: string,
  connections: number,
  tenantIds: string[],
  write: (event: AuditEvent) => Promise<unknown>,
  seconds: number,
): Promise<number> {
  const run = await timedRate(ctx, label, connections, tenantIds, write, seconds);
  return run.rows / run.seconds;
}

/** Rows written by `connections` concurrent writers in about `seconds`, and the exact time taken. */
async function timedRate(
  _ctx: BenchContext,
  label: string,
  connections: number,
  tenantIds: string[],
  write: (event: AuditEvent) => Promise<unknown>,
  seconds: number,
): Promise<{ rows: number; seconds: number }> {
  const bar = progressBar(label, Math.max(1, Math.round(seconds)));
  const ticker = setInterval(() => bar.tick(), 1000);
  let written = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (Date.now() < deadline) {
          const tenantId = tenantIds[Math.floor(Math.random() * tenantIds.length)]!;
          await write(benchAuditEvent(tenantId, written));
          written++;
        }
      }),
    );
  } finally {
    clearInterval(ticker);
    bar.stop();
  }
  return { rows: written, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
