import { Client } from 'pg';

/** The audit table of the audit-log work (issue 3). */
export const AUDIT_TABLE = 'user_action_audit_logs';
/** The application role of the tenant-isolation work (issue 4). */
export const APP_ROLE = 'foundation_app';

/** What the migrated catalog offers, so each section can measure what exists and say what does not. */
export interface Capabilities {
  auditTable: boolean;
  /** Column name → SQL type (format_type) of the audit table. */
  auditColumns: Map<string, string>;
  appRole: boolean;
  /** Tables with row-level security enabled and forced. */
  forcedRlsTables: Set<string>;
}

export async function detectCapabilities(client: Client): Promise<Capabilities> {
  const audit = await client.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [AUDIT_TABLE]);
  const columns = await client.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [AUDIT_TABLE],
  );
  const role = await client.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [APP_ROLE]);
  const rls = await client.query<{ relname: string }>(
    `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relrowsecurity AND relforcerowsecurity`,
  );
  return {
    auditTable: audit.rows[0]!.exists,
    auditColumns: new Map(columns.rows.map((c) => [c.name, c.type])),
    appRole: (role.rowCount ?? 0) > 0,
    forcedRlsTables: new Set(rls.rows.map((r) => r.relname)),
  };
}
