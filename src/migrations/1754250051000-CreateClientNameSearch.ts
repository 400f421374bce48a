import { MigrationInterface, QueryRunner } from 'typeorm';
import { transferFunctionOwnershipSql } from './support/roles';

/** Owner of the function: the role CreateClientSearch1754250033000 made for search_clients(). */
const CLIENT_SEARCH_ROLE = 'foundation_client_search';

const SIGNATURE = 'search_clients_by_name_tokens(integer[], integer)';

/** Most tokens one search may send: a 100-character query has about 130 trigrams, twice during a key rotation. */
const MAX_TOKENS = 512;

/**
 * Name search over encrypted names: `search_clients_by_name_tokens(tokens, max_rows)`, callable
 * by the application role only.
 *
 * The database never sees a name: the application normalises the query, takes its trigrams,
 * hashes each with the tenant's name-search key (the same keyed, truncated hash it stored in
 * `clients.name_search_tokens`, see docs/encryption.md), and sends the hashes. The function
 * returns the tenant's live clients sharing at least one token, best first by the number of
 * shared tokens; the application decrypts those candidates' names and ranks them for real.
 *
 * Why a SECURITY DEFINER function, as for search_clients(): array overlap (`&&`) is not
 * LEAKPROOF, so under row-level security the application role could not use the GIN index
 * `ix_clients_tenant_id_name_search_tokens` as an index condition. It runs as
 * `foundation_client_search` (its own USING (true) read policy on clients), filters by
 * `current_tenant_id()` itself, raises 42501 without a tenant, and bounds its input: 1 to 512
 * tokens and 1 to 1000 rows, each refused with an error naming the limit (22023).
 *
 * Locks: none on tables (a new function).
 */
export class CreateClientNameSearch1754250051000 implements MigrationInterface {
  name = 'CreateClientNameSearch1754250051000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION search_clients_by_name_tokens(tokens integer[], max_rows integer DEFAULT 100)
      RETURNS TABLE (client_id uuid, matched_tokens integer)
      LANGUAGE plpgsql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, public, pg_temp
      AS $$
      DECLARE
        tenant uuid := current_tenant_id();
        wanted integer[];
      BEGIN
        IF tenant IS NULL THEN
          RAISE EXCEPTION 'search_clients_by_name_tokens: no tenant in context (enter one with withTenant)' USING ERRCODE = '42501';
        END IF;
        IF tokens IS NULL OR cardinality(tokens) = 0 THEN
          RAISE EXCEPTION 'search_clients_by_name_tokens: tokens must not be empty' USING ERRCODE = '22023';
        END IF;
        IF array_ndims(tokens) <> 1 OR cardinality(tokens) > ${MAX_TOKENS} THEN
          RAISE EXCEPTION 'search_clients_by_name_tokens: at most ${MAX_TOKENS} tokens in a one-dimensional array, got %', cardinality(tokens)
            USING ERRCODE = '22023';
        END IF;
        IF max_rows IS NULL OR max_rows NOT BETWEEN 1 AND 1000 THEN
          RAISE EXCEPTION 'search_clients_by_name_tokens: max_rows must be between 1 and 1000' USING ERRCODE = '22023';
        END IF;
        wanted := ARRAY(SELECT DISTINCT t FROM unnest(tokens) AS given(t) WHERE t IS NOT NULL);
        RETURN QUERY
          SELECT c.id,
                 (SELECT count(*)::integer FROM unnest(c.name_search_tokens) AS own(t) WHERE own.t = ANY (wanted))
          FROM clients c
          WHERE c.tenant_id = tenant
            AND c.deleted_at IS NULL
            AND c.name_search_tokens && wanted
          ORDER BY 2 DESC, 1
          LIMIT max_rows;
      END
      $$
    `);
    await queryRunner.query(`
      COMMENT ON FUNCTION ${SIGNATURE} IS 'Name search within the current tenant (current_tenant_id()) over keyed trigram tokens of the encrypted names: live clients sharing a token, most shared tokens first. At most ${MAX_TOKENS} tokens and 1000 rows. Runs as foundation_client_search so the GIN index is usable under row-level security.'
    `);
    await queryRunner.query(transferFunctionOwnershipSql(SIGNATURE, CLIENT_SEARCH_ROLE));
    await queryRunner.query(`REVOKE ALL ON FUNCTION ${SIGNATURE} FROM PUBLIC`);
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION ${SIGNATURE} TO foundation_app`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${SIGNATURE}`);
  }
}
