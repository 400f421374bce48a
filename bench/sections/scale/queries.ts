import { Client } from 'pg';
import { AUDIT_TABLE } from '../../lib/capabilities';
import { AUDITED_RECORDS_PER_TENANT } from './generate-audit';

/**
 * One tenant-scoped read, written twice: for a role that bypasses row-level security (the
 * tenant filter by hand) and for the application role (the policy supplies the filter).
 */
export interface ScaleQuery {
  name: string;
  /** p95 target in milliseconds. */
  p95TargetMs: number;
  needsAudit: boolean;
  bypassSql: string;
  rlsSql: string;
  /** The table whose row-level security rlsSql runs under, when rlsSql does not name it after FROM. */
  table?: string;
  /**
   * Timed and reported, but not judged against the targets: a way of querying that the
   * application does not use, kept to show what its chosen path saves.
   */
  informational?: string;
  /** Parameter sets drawn from the generated data: [tenantId, ...bypassParams]; rlsSql takes the rest. */
  sample(client: Client, count: number): Promise<string[][]>;
}

const LOOKUP_MS = 5;
const SEARCH_MS = 25;

async function rows(client: Client, sql: string, count: number): Promise<string[][]> {
  const result = await client.query({ text: sql, values: [count], rowMode: 'array' });
  if (result.rows.length === 0) throw new Error(`no sample rows for: ${sql}`);
  return result.rows.map((row: unknown[]) => row.map(String));
}

export const SCALE_QUERIES: readonly ScaleQuery[] = [
  {
    name: "one page of a facility's live clients",
    p95TargetMs: LOOKUP_MS,
    needsAudit: false,
    bypassSql: `SELECT id, first_name, last_name, status FROM clients
                 WHERE tenant_id = $1 AND facility_id = $2 AND deleted_at IS NULL
                 ORDER BY last_name, first_name, id LIMIT 25`,
    rlsSql: `SELECT id, first_name, last_name, status FROM clients
              WHERE facility_id = $1 AND deleted_at IS NULL
              ORDER BY last_name, first_name, id LIMIT 25`,
    sample: (client, count) => rows(client, `SELECT tenant_id, id FROM facilities ORDER BY random() LIMIT $1`, count),
  },
  {
    // The application's search path: search_clients() (CreateClientSearch1754250033000). The
    // bypassing side runs the function's own query with the tenant written in by hand.
    name: 'trigram search on client names (search_clients)',
    p95TargetMs: SEARCH_MS,
    needsAudit: false,
    bypassSql: `SELECT c.id, c.first_name || ' ' || c.last_name, similarity(c.first_name || ' ' || c.last_name, $2)
                  FROM clients c
                 WHERE c.tenant_id = $1 AND c.deleted_at IS NULL
                   AND ((c.first_name || ' ' || c.last_name) ILIKE '%' || $2 || '%' OR (c.first_name || ' ' || c.last_name) % $2)
                 ORDER BY 3 DESC, 2, 1 LIMIT 20`,
    rlsSql: `SELECT client_id, full_name, score FROM search_clients($1, 20)`,
    table: 'clients',
    sample: (client, count) =>
      rows(client, `SELECT tenant_id, lower(left(last_name, 6)) FROM clients WHERE deleted_at IS NULL ORDER BY random() LIMIT $1`, count),
  },
  {
    name: 'trigram search, hand-written ILIKE',
    informational:
      'not the application path: under RLS the trigram operators are not LEAKPROOF, so the name cannot be an index condition for the application role; search_clients() exists for this',
    p95TargetMs: SEARCH_MS,
    needsAudit: false,
    bypassSql: `SELECT id, first_name, last_name FROM clients
                 WHERE tenant_id = $1 AND (first_name || ' ' || last_name) ILIKE '%' || $2 || '%' AND deleted_at IS NULL
                 ORDER BY last_name, first_name LIMIT 20`,
    rlsSql: `SELECT id, first_name, last_name FROM clients
              WHERE (first_name || ' ' || last_name) ILIKE '%' || $1 || '%' AND deleted_at IS NULL
              ORDER BY last_name, first_name LIMIT 20`,
    // A surname as typed into a search box: lower case, first six letters.
    sample: (client, count) =>
      rows(client, `SELECT tenant_id, lower(left(last_name, 6)) FROM clients WHERE deleted_at IS NULL ORDER BY random() LIMIT $1`, count),
  },
  {
    name: 'user by email',
    p95TargetMs: LOOKUP_MS,
    needsAudit: false,
    bypassSql: `SELECT id, email, first_name, last_name, role FROM users WHERE tenant_id = $1 AND email = $2 AND deleted_at IS NULL`,
    rlsSql: `SELECT id, email, first_name, last_name, role FROM users WHERE email = $1 AND deleted_at IS NULL`,
    // Upper-cased: email is citext, and people type addresses in any case.
    sample: (client, count) => rows(client, `SELECT tenant_id, upper(email::text) FROM users ORDER BY random() LIMIT $1`, count),
  },
  {
    name: "a tenant's latest 50 audit events",
    p95TargetMs: LOOKUP_MS,
    needsAudit: true,
    bypassSql: `SELECT * FROM ${AUDIT_TABLE} WHERE tenant_id = $1 ORDER BY occurred_at DESC LIMIT 50`,
    rlsSql: `SELECT * FROM ${AUDIT_TABLE} ORDER BY occurred_at DESC LIMIT 50`,
    sample: (client, count) => rows(client, `SELECT id FROM tenants WHERE slug LIKE 'bench-%' ORDER BY random() LIMIT $1`, count),
  },
  {
    name: "one record's audit history",
    p95TargetMs: LOOKUP_MS,
    needsAudit: true,
    bypassSql: `SELECT * FROM ${AUDIT_TABLE} WHERE tenant_id = $1 AND entity_type = $2 AND entity_id = $3 ORDER BY occurred_at DESC LIMIT 100`,
    rlsSql: `SELECT * FROM ${AUDIT_TABLE} WHERE entity_type = $1 AND entity_id = $2 ORDER BY occurred_at DESC LIMIT 100`,
    // The records generate-audit.ts wrote events about, rebuilt from the same formula rather than
    // found by scanning millions of rows.
    sample: (client, count) =>
      rows(
        client,
        `SELECT t.id, 'client', md5(substr(t.slug, 7) || '-' || floor(random() * ${AUDITED_RECORDS_PER_TENANT})::int)::uuid::text
           FROM tenants t CROSS JOIN generate_series(1, 10)
          WHERE t.slug LIKE 'bench-%' ORDER BY random() LIMIT $1`,
        count,
      ),
  },
];
