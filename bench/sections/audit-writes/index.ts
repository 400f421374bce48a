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
/** The audit API must reach at least this share of the plain insert rate. */
const MIN_SHARE = 0.4;

/**
 * Inserts per second through the audit API (its hash chain and triggers included) against
 * plain INSERTs of the same values into an unindexed, trigger-less copy of the table, with 1
 * and 8 connections, each for a fixed time. Events are spread over 100 tenants, so the
 * per-tenant chain lock is contended only as much as real traffic would contend it.
 * Both sides go through the same TypeORM DataSource, so the client overhead is the same.
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
        const plain = await rate(ctx, `audit: plain, ${connections} conn`, connections, setup.tenantIds, (event) =>
          dataSource.manager.query(insert, columns.map((c) => plainRow(event)[c])),
        );
        const viaApi = await rate(ctx, `audit: API, ${connections} conn`, connections, setup.tenantIds, (event) => recordAuditEvent(dataSource.manager, event));
        const share = round(viaApi / plain, 2);
        figures.push({ name: `plain inserts, ${connections} connection(s)`, value: Math.round(plain), unit: 'rows/s' });
        figures.push({ name: `audit API, ${connections} connection(s)`, value: Math.round(viaApi), unit: 'rows/s' });
        figures.push({ name: `audit API / plain, ${connections} connection(s)`, value: share, unit: 'x' });
        targets.push(target(`audit API / plain rate, ${connections} connection(s)`, `>= ${MIN_SHARE}`, share, 'x', (v) => v >= MIN_SHARE));
      } finally {
        await dataSource.destroy();
      }
    }
    const notes = [`${ctx.scale.writeSeconds} s per measurement; events spread over ${TENANTS} tenants`];
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
  result.targets = CONNECTIONS.map((n) => target(`audit API / plain rate, ${n} connection(s)`, `>= ${MIN_SHARE}`, null, 'x', () => false));
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

/** Rows per second that `connections` concurrent writers reach in the configured time. */
async function rate(
  ctx: BenchContext,
  label: string,
  connections: number,
  tenantIds: string[],
  write: (event: AuditEvent) => Promise<unknown>,
): Promise<number> {
  const seconds = ctx.scale.writeSeconds;
  const bar = progressBar(label, seconds);
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
  return written / (Number(process.hrtime.bigint() - started) / 1e9);
}
