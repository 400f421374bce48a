import { EntityManager } from 'typeorm';

export interface ClientSearchHit {
  clientId: string;
  fullName: string;
  /** pg_trgm similarity between the full name and the query, 0 to 1. */
  score: number;
}

/**
 * Name search among the current tenant's live clients, best match first: a substring match
 * (case-insensitive) or a trigram-similar name. Use the manager `withTenant` gives you; the
 * database function refuses to run without a tenant in context.
 *
 * It calls `search_clients()` rather than querying `clients` with ILIKE: under row-level
 * security the trigram operators cannot use the index for the application role (they are not
 * LEAKPROOF), so the function runs as a dedicated role and filters by tenant itself. Load
 * full rows by id through the same manager if you need them.
 */
export async function searchClients(manager: EntityManager, query: string, limit = 20): Promise<ClientSearchHit[]> {
  const rows: { client_id: string; full_name: string; score: number }[] = await manager.query(
    `SELECT client_id, full_name, score FROM search_clients($1, $2)`,
    [query, limit],
  );
  return rows.map((row) => ({ clientId: row.client_id, fullName: row.full_name, score: Number(row.score) }));
}
