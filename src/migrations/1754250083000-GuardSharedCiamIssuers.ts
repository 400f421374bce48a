import { MigrationInterface, QueryRunner } from 'typeorm';
import { PLATFORM_ROLE } from './1754250034000-CreatePlatformOperations';
import { createRoleSql, dropRoleIfUnusedSql, transferFunctionOwnershipSql } from './support/roles';

/** Owns the issuer check and the platform's shared-issuer registration; never a login. */
export const ISSUER_REGISTRY_ROLE = 'foundation_issuer_registry';

const CHECK = 'ciam_issuer_used_by_other_tenant(uuid, text)';
const GUARD = 'guard_ciam_systems_shared_issuer()';
const REGISTER = 'platform_register_shared_ciam_system(uuid, ciam_provider_kind_enum, text, text, text, text, text)';

const PINNED = 'SET search_path = pg_catalog, public, pg_temp';

/**
 * An identity-provider issuer that another tenant already uses can only be registered through
 * the platform path.
 *
 * Sign-in (`resolve_ciam_login`) matches a provider's issuer across tenants. A tenant could
 * register another tenant's issuer as its own and link that tenant's subjects to its own users,
 * so that the resolver returned both tenants for someone else's identity. Now:
 *
 * - the trigger `trg_ciam_systems_shared_issuer` (BEFORE INSERT, or UPDATE of issuer_url or
 *   deleted_at, on ciam_systems) refuses with 42501 a live row whose issuer another tenant
 *   already uses live, unless the row is written by the platform path. It runs with the caller's
 *   rights (so it knows who writes) and asks `ciam_issuer_used_by_other_tenant(tenant, issuer)`,
 *   a SECURITY DEFINER function that may read every tenant's issuers, which first takes a
 *   transaction-scoped advisory lock on the issuer so two tenants registering the same new issuer
 *   at once are serialised (the second then sees the first);
 * - `platform_register_shared_ciam_system(tenant, kind, display_name, issuer_url, jwks_url,
 *   client_id, client_secret_ref)` is that path: callable by `foundation_platform` only, it inserts
 *   the tenant's row as `foundation_issuer_registry` (NOLOGIN, owns nothing else), which may read
 *   the issuer columns of every tenant and insert CIAM systems, through policies of its own.
 *
 * What the check reveals to a tenant (that some other tenant uses an issuer it tried) is no more
 * than the refusal itself says.
 *
 * Locks: CREATE TRIGGER and CREATE POLICY take brief locks on ciam_systems (catalog only).
 */
export class GuardSharedCiamIssuers1754250083000 implements MigrationInterface {
  name = 'GuardSharedCiamIssuers1754250083000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(createRoleSql(ISSUER_REGISTRY_ROLE));
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${ISSUER_REGISTRY_ROLE}`);
    await queryRunner.query(`GRANT SELECT (tenant_id, id, issuer_url, deleted_at), INSERT ON ciam_systems TO ${ISSUER_REGISTRY_ROLE}`);
    await queryRunner.query(`DROP POLICY IF EXISTS pol_ciam_systems_issuer_registry_read ON ciam_systems`);
    await queryRunner.query(`CREATE POLICY pol_ciam_systems_issuer_registry_read ON ciam_systems FOR SELECT TO ${ISSUER_REGISTRY_ROLE} USING (true)`);
    await queryRunner.query(`DROP POLICY IF EXISTS pol_ciam_systems_issuer_registry_insert ON ciam_systems`);
    await queryRunner.query(`CREATE POLICY pol_ciam_systems_issuer_registry_insert ON ciam_systems FOR INSERT TO ${ISSUER_REGISTRY_ROLE} WITH CHECK (true)`);

    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION ciam_issuer_used_by_other_tenant(tenant uuid, issuer text) RETURNS boolean
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      ${PINNED}
      AS $$
      BEGIN
        -- Serialise registrations of one issuer; READ COMMITTED then sees a concurrent one once it commits.
        PERFORM pg_advisory_xact_lock(hashtext('foundation-db:ciam-issuer'), hashtext(issuer));
        RETURN EXISTS (
          SELECT 1 FROM ciam_systems s
          WHERE s.issuer_url = issuer AND s.tenant_id <> tenant AND s.deleted_at IS NULL
        );
      END
      $$
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION guard_ciam_systems_shared_issuer() RETURNS trigger
      LANGUAGE plpgsql
      ${PINNED}
      AS $$
      BEGIN
        IF NEW.deleted_at IS NULL
           AND (TG_OP = 'INSERT' OR NEW.issuer_url IS DISTINCT FROM OLD.issuer_url OR OLD.deleted_at IS NOT NULL)
           AND current_user <> '${ISSUER_REGISTRY_ROLE}'
           AND ciam_issuer_used_by_other_tenant(NEW.tenant_id, NEW.issuer_url) THEN
          RAISE EXCEPTION 'ciam_systems: issuer % is already registered by another tenant', NEW.issuer_url
            USING ERRCODE = '42501',
                  HINT = 'An issuer shared between tenants is registered by a platform operator: platform_register_shared_ciam_system().';
        END IF;
        RETURN NEW;
      END
      $$
    `);
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_ciam_systems_shared_issuer ON ciam_systems`);
    await queryRunner.query(`
      CREATE TRIGGER trg_ciam_systems_shared_issuer BEFORE INSERT OR UPDATE OF issuer_url, deleted_at ON ciam_systems
      FOR EACH ROW EXECUTE FUNCTION guard_ciam_systems_shared_issuer()
    `);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION platform_register_shared_ciam_system(
        tenant uuid, kind ciam_provider_kind_enum, display_name text, issuer_url text,
        jwks_url text DEFAULT NULL, client_id text DEFAULT NULL, client_secret_ref text DEFAULT NULL
      ) RETURNS uuid
      LANGUAGE sql VOLATILE SECURITY DEFINER
      ${PINNED}
      AS $$
        INSERT INTO ciam_systems (tenant_id, kind, display_name, issuer_url, jwks_url, client_id, client_secret_ref)
        VALUES (tenant, kind, display_name, issuer_url, jwks_url, client_id, client_secret_ref)
        RETURNING id
      $$
    `);
    await queryRunner.query(`COMMENT ON FUNCTION ${CHECK} IS 'Whether a tenant other than the given one has a live CIAM system with this issuer; serialises per issuer. Used by the ciam_systems issuer guard.'`);
    await queryRunner.query(`COMMENT ON FUNCTION ${GUARD} IS 'Refuses (42501) a live CIAM system whose issuer another tenant already uses, unless written by the platform path.'`);
    await queryRunner.query(`COMMENT ON FUNCTION ${REGISTER} IS 'Platform operation: registers a CIAM system for a tenant even when another tenant uses the same issuer; returns its id. Callable by foundation_platform only.'`);
    await queryRunner.query(transferFunctionOwnershipSql(CHECK, ISSUER_REGISTRY_ROLE));
    await queryRunner.query(`REVOKE ALL ON FUNCTION ${CHECK} FROM PUBLIC`);
    // The trigger runs as whoever writes ciam_systems: the application and the schema owner (seeds, fixes).
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION ${CHECK} TO foundation_app`);
    await queryRunner.query(grantToCiamOwnerSql(`GRANT EXECUTE ON FUNCTION ${CHECK} TO %I`));
    await queryRunner.query(transferFunctionOwnershipSql(REGISTER, ISSUER_REGISTRY_ROLE));
    await queryRunner.query(`REVOKE ALL ON FUNCTION ${REGISTER} FROM PUBLIC`);
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION ${REGISTER} TO ${PLATFORM_ROLE}`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${REGISTER}`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_ciam_systems_shared_issuer ON ciam_systems`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${GUARD}`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${CHECK}`);
    await queryRunner.query(`DROP POLICY IF EXISTS pol_ciam_systems_issuer_registry_insert ON ciam_systems`);
    await queryRunner.query(`DROP POLICY IF EXISTS pol_ciam_systems_issuer_registry_read ON ciam_systems`);
    await queryRunner.query(`REVOKE ALL ON ciam_systems FROM ${ISSUER_REGISTRY_ROLE}`);
    await queryRunner.query(`REVOKE USAGE ON SCHEMA public FROM ${ISSUER_REGISTRY_ROLE}`);
    await queryRunner.query(dropRoleIfUnusedSql(ISSUER_REGISTRY_ROLE));
  }
}

/** Runs `statement` (with one %I) for the owner of ciam_systems: the migrating role. */
function grantToCiamOwnerSql(statement: string): string {
  return `
    DO $$
    BEGIN
      EXECUTE format('${statement.replaceAll("'", "''")}',
                     (SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                      WHERE c.oid = 'ciam_systems'::regclass));
    END
    $$`;
}
