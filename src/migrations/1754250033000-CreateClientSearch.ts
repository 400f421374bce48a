import { MigrationInterface, QueryRunner } from 'typeorm';
import { createRoleSql, dropRoleIfUnusedSql, transferFunctionOwnershipSql } from './support/roles';

/** Owns search_clients(); may read clients, nothing else. Never granted to a login. */
export const CLIENT_SEARCH_ROLE = 'foundation_client_search';

const SIGNATURE = 'search_clients(text, integer)';

/**
 * Client name search that stays indexed under row-level security: `search_clients(query,
 * max_rows)`, callable by the application role only.
 *
 * Why a function: the planner runs only LEAKPROOF operators before a row-level security
 * policy, and the trigram operators (ILIKE, %) are not LEAKPROOF. For the application role a
 * name search therefore cannot use the trigram index: it reads every row of the tenant and
 * filters. The function runs as `foundation_client_search` (SECURITY DEFINER), a NOLOGIN role
 * that is not the table owner and has no BYPASSRLS, with a SELECT policy of its own that lets it
 * read every client (`pol_clients_client_search`, USING (true)). Its one query then has no
 * policy in the way and filters on `tenant_id = current_tenant_id()` itself, which the index
 * (tenant_id first) serves. It raises 42501 when no tenant is set, pins search_path, returns
 * only id, full name and similarity, and never more than max_rows (1 to 1000) rows.
 *
 * Locks: CREATE POLICY takes a brief ACCESS EXCLUSIVE lock on clients (catalog only).
 */
export class CreateClientSearch1754250033000 implements MigrationInterface {
  name = 'CreateClientSearch1754250033000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(createRoleSql(CLIENT_SEARCH_ROLE));
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${CLIENT_SEARCH_ROLE}`);
    await queryRunner.query(`GRANT SELECT ON clients TO ${CLIENT_SEARCH_ROLE}`);
    await queryRunner.query(`DROP POLICY IF EXISTS pol_clients_client_search ON clients`);
    await queryRunner.query(`
      CREATE POLICY pol_clients_client_search ON clients FOR SELECT TO ${CLIENT_SEARCH_ROLE} USING (true)
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION search_clients(query text, max_rows integer DEFAULT 20)
      RETURNS TABLE (client_id uuid, full_name text, score real)
      LANGUAGE plpgsql STABLE SECURITY DEFINER
      SET search_path = public, pg_temp
      AS $$
      DECLARE
        tenant uuid := current_tenant_id();
        pattern text;
      BEGIN
        IF tenant IS NULL THEN
          RAISE EXCEPTION 'search_clients: no tenant in context (app.tenant_id)' USING ERRCODE = '42501';
        END IF;
        IF query IS NULL OR btrim(query) = '' THEN
          RAISE EXCEPTION 'search_clients: query must not be empty' USING ERRCODE = '22023';
        END IF;
        IF max_rows IS NULL OR max_rows NOT BETWEEN 1 AND 1000 THEN
          RAISE EXCEPTION 'search_clients: max_rows must be between 1 and 1000' USING ERRCODE = '22023';
        END IF;
        pattern := '%' || replace(replace(replace(btrim(query), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%';
        RETURN QUERY
          SELECT c.id, c.first_name || ' ' || c.last_name, similarity(c.first_name || ' ' || c.last_name, btrim(query))
          FROM clients c
          WHERE c.tenant_id = tenant
            AND c.deleted_at IS NULL
            AND ((c.first_name || ' ' || c.last_name) ILIKE pattern OR (c.first_name || ' ' || c.last_name) % btrim(query))
          ORDER BY 3 DESC, 2, 1
          LIMIT max_rows;
      END
      $$
    `);
    await queryRunner.query(`
      COMMENT ON FUNCTION ${SIGNATURE} IS 'Name search within the current tenant (app.tenant_id): substring or trigram match on first_name || '' '' || last_name, best first. Runs as foundation_client_search so the trigram index is usable under row-level security.'
    `);
    await queryRunner.query(transferFunctionOwnershipSql(SIGNATURE, CLIENT_SEARCH_ROLE));
    await queryRunner.query(`REVOKE ALL ON FUNCTION ${SIGNATURE} FROM PUBLIC`);
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION ${SIGNATURE} TO foundation_app`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${SIGNATURE}`);
    await queryRunner.query(`DROP POLICY IF EXISTS pol_clients_client_search ON clients`);
    await queryRunner.query(`REVOKE ALL ON clients FROM ${CLIENT_SEARCH_ROLE}`);
    await queryRunner.query(`REVOKE USAGE ON SCHEMA public FROM ${CLIENT_SEARCH_ROLE}`);
    await queryRunner.query(dropRoleIfUnusedSql(CLIENT_SEARCH_ROLE));
  }
}
