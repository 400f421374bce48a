import { Client } from 'pg';
import { AUDIT_TABLE, Capabilities } from '../../lib/capabilities';
import { progressBar } from '../../lib/progress';
import { msSince, round } from '../../lib/stats';
import { BenchScale, Figure } from '../../lib/types';

/** Distinct records per tenant that the events are about, so one record has a history of several events. */
export const AUDITED_RECORDS_PER_TENANT = 500;

/**
 * The expression for each audit column the generator knows how to fill, for row `g` of tenant
 * `t` (`t.id`, `t.n`). Columns left out keep their defaults or are filled by the table's
 * triggers (the hash chain). Cast to each column's own type, so an enum or text column both work.
 */
function columnExpressions(columns: Map<string, string>): Map<string, string> {
  const known: Record<string, string> = {
    tenant_id: 't.id',
    action: `'read'`,
    entity_type: `'client'`,
    entity_id: `md5(t.n || '-' || (g % ${AUDITED_RECORDS_PER_TENANT}))::uuid`,
    details: `jsonb_build_object('bench', true, 'n', g)`,
    request_id: 'gen_random_uuid()',
    ip_address: `'10.0.0.1'`,
    user_agent: `'foundation-db bench'`,
    // Spread over the last 30 days, newest first, so several monthly partitions get rows.
    occurred_at: `now() - make_interval(secs => g * 2592000.0 / $1::int)`,
  };
  const chosen = new Map<string, string>();
  for (const [name, expression] of Object.entries(known)) {
    const type = columns.get(name);
    if (!type) continue;
    // md5()::uuid only fits a uuid column; a text entity id gets the same value as text.
    const value = name === 'entity_id' && type !== 'uuid' ? `(${expression})::text` : expression;
    chosen.set(name, `(${value})::${type}`);
  }
  return chosen;
}

export interface AuditGeneration {
  figures: Figure[];
  /** Set when the table exists but rows could not be generated (unknown required columns...). */
  failure?: string;
}

/**
 * `scale.auditEvents` events with set-based INSERT ... SELECT into the audit table, in batches
 * per group of tenants. Its triggers (hash chain, append-only guard) run for every row, and
 * their cost is part of the reported time: that is what the table costs to fill.
 */
export async function generateAuditEvents(client: Client, scale: BenchScale, capabilities: Capabilities): Promise<AuditGeneration> {
  const expressions = columnExpressions(capabilities.auditColumns);
  for (const needed of ['tenant_id', 'occurred_at']) {
    if (!expressions.has(needed)) return { figures: [], failure: `${AUDIT_TABLE} has no ${needed} column` };
  }
  const perTenant = Math.max(1, Math.round(scale.auditEvents / scale.tenants));
  const batches = Math.min(scale.tenants, 50);
  const columns = [...expressions.keys()].join(', ');
  const values = [...expressions.values()].join(',\n              ');
  const started = process.hrtime.bigint();
  const bar = progressBar('scale: audit events', batches);
  try {
    // Events dated over the last 30 days: only a superuser's historic import may date them
    // (the chain trigger takes the database's clock otherwise), into months that have a
    // partition (the default partition refuses rows).
    await createPastPartitions(client, 2);
    for (let batch = 0; batch < batches; batch++) {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('foundation.audit_historic_import', 'on', true)`);
      await client.query(
        `INSERT INTO ${AUDIT_TABLE} (${columns})
         SELECT ${values}
           FROM (SELECT id, substr(slug, 7)::int AS n FROM tenants WHERE slug LIKE 'bench-%') t
          CROSS JOIN generate_series(1, $1::int) g
          WHERE t.n % $2 = $3
          ORDER BY t.id, g DESC`,
        [perTenant, batches, batch],
      );
      await client.query('COMMIT');
      bar.tick();
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    return { figures: [], failure: `generating ${AUDIT_TABLE} rows failed: ${(error as Error).message}` };
  } finally {
    bar.stop();
  }
  const seconds = msSince(started) / 1000;
  const rows = perTenant * scale.tenants;
  return {
    figures: [
      { name: `generate ${rows.toLocaleString('en-US')} audit events (triggers included)`, value: round(seconds, 2), unit: 's' },
      { name: 'audit events generated per second', value: Math.round(rows / seconds), unit: 'rows/s' },
    ],
  };
}

/** Partitions for the `monthsBack` months before the current one (the migrations create the current month and later ones). */
async function createPastPartitions(client: Client, monthsBack: number): Promise<void> {
  const { rows } = await client.query<{ protect: boolean }>(`SELECT to_regprocedure('protect_audit_log_partition(regclass)') IS NOT NULL AS protect`);
  if (!rows[0]?.protect) return;
  for (let month = 1; month <= monthsBack; month++) {
    const {
      rows: [range],
    } = await client.query<{ name: string; from: string; to: string }>(
      `SELECT '${AUDIT_TABLE}_y' || to_char(m, 'YYYY') || 'm' || to_char(m, 'MM') AS name,
              (m AT TIME ZONE 'UTC')::text AS from, ((m + interval '1 month') AT TIME ZONE 'UTC')::text AS to
       FROM (SELECT date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => $1) AS m) s`,
      [month],
    );
    await client.query(`CREATE TABLE IF NOT EXISTS ${range!.name} PARTITION OF ${AUDIT_TABLE} FOR VALUES FROM ('${range!.from}') TO ('${range!.to}')`);
    await client.query(`SELECT protect_audit_log_partition('${range!.name}')`);
  }
}
