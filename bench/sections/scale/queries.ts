import { Client } from 'pg';
import { AUDIT_TABLE } from '../../lib/capabilities';
import { AUDITED_RECORDS_PER_TENANT } from './generate-audit';
import { nameTokensSql } from './generate-core';

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

/** Tenants with a surname of the generated kind (its first six letters), as search tokens (an int[] literal). */
const searchSampleSql = `
  SELECT t.id, ${nameTokensSql(`lower(left(initcap(s1 || s2 || s3), 6))`)}::text
    FROM tenants t
   CROSS JOIN LATERAL (SELECT (ARRAY['al','bar','cor','dan','el','fen','gar','hol','ist','jor','kel','lan','mor','nor','ost','pel','quin','ros','sel','tor'])[1 + floor(random() * 20)::int] AS s1,
                              (ARRAY['al','bar','cor','dan','el','fen','gar','hol','ist','jor','kel','lan','mor','nor','ost','pel','quin','ros','sel','tor'])[1 + floor(random() * 20)::int] AS s2,
                              (ARRAY['al','bar','cor','dan','el','fen','gar','hol','ist','jor','kel','lan','mor','nor','ost','pel','quin','ros','sel','tor'])[1 + floor(random() * 20)::int] AS s3) s
   WHERE t.slug LIKE 'bench-%' ORDER BY random() LIMIT $1`;

export const SCALE_QUERIES: readonly ScaleQuery[] = [
  {
    // Names are encrypted (src/phi): a page is ordered by id, and the names decrypted by the
    // application (the phi section times that).
    name: "one page of a facility's live clients",
    p95TargetMs: LOOKUP_MS,
    needsAudit: false,
    bypassSql: `SELECT id, first_name_encrypted, last_name_encrypted, status FROM clients
                 WHERE tenant_id = $1 AND facility_id = $2 AND deleted_at IS NULL
                 ORDER BY id LIMIT 25`,
    rlsSql: `SELECT id, first_name_encrypted, last_name_encrypted, status FROM clients
              WHERE facility_id = $1 AND deleted_at IS NULL
              ORDER BY id LIMIT 25`,
    sample: (client, count) => rows(client, `SELECT tenant_id, id FROM facilities ORDER BY random() LIMIT $1`, count),
  },
  {
    // The application's search path over encrypted names: search_clients_by_name_tokens()
    // (CreateClientNameSearch1754250051000) with the query's tokens. The bypassing side runs the
    // function's own query with the tenant written in by hand.
    name: 'name search over encrypted names (search_clients_by_name_tokens)',
    p95TargetMs: SEARCH_MS,
    needsAudit: false,
    bypassSql: `SELECT c.id, (SELECT count(*)::integer FROM unnest(c.name_search_tokens) AS own(t) WHERE own.t = ANY ($2::integer[]))
                  FROM clients c
                 WHERE c.tenant_id = $1 AND c.deleted_at IS NULL AND c.name_search_tokens && $2::integer[]
                 ORDER BY 2 DESC, 1 LIMIT 100`,
    rlsSql: `SELECT client_id, matched_tokens FROM search_clients_by_name_tokens($1::integer[], 100)`,
    table: 'clients',
    // A surname as typed into a search box, as the application would send it: tokens of its first six letters.
    sample: (client, count) => rows(client, searchSampleSql, count),
  },
  {
    name: 'name tokens, hand-written overlap',
    informational:
      'not the application path: under RLS array overlap (&&) is not LEAKPROOF, so the tokens cannot be an index condition for the application role; search_clients_by_name_tokens() exists for this',
    p95TargetMs: SEARCH_MS,
    needsAudit: false,
    bypassSql: `SELECT id FROM clients WHERE tenant_id = $1 AND name_search_tokens && $2::integer[] AND deleted_at IS NULL ORDER BY id LIMIT 100`,
    rlsSql: `SELECT id FROM clients WHERE name_search_tokens && $1::integer[] AND deleted_at IS NULL ORDER BY id LIMIT 100`,
    sample: (client, count) => rows(client, searchSampleSql, count),
  },
  {
    name: 'user by email',
    p95TargetMs: LOOKUP_MS,
    needsAudit: false,
    bypassSql: `SELECT id, email, first_name, last_name, role FROM users WHERE tenant_id = $1 AND email = $2 AND deleted_at IS NULL`,
    // The application's lookup (IndexUsersByEmailUnderRls1754250100000): text = under a
    // case-insensitive collation is LEAKPROOF, so the address is an index condition under RLS;
    // citext's = is not, and would only filter the tenant's rows after the policy found them.
    rlsSql: `SELECT id, email, first_name, last_name, role FROM users WHERE (email::text COLLATE case_insensitive) = $1 AND deleted_at IS NULL`,
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
