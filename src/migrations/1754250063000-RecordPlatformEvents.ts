import { MigrationInterface, QueryRunner } from 'typeorm';
import { CreatePlatformOperations1754250034000 } from './1754250034000-CreatePlatformOperations';
import { CreateLoginResolution1754250035000 } from './1754250035000-CreateLoginResolution';
import { landedStatement } from './support/landed-sql';

/** Longest issuer or subject text kept in a login event; longer input is cut (and marked so). */
const LOGIN_TEXT_LIMIT = 500;

/**
 * Records the platform's cross-tenant operations and every login resolution in the system audit
 * log (CreateSystemAuditLog1754250060000), from inside the functions that perform them, so no
 * caller can skip the record: it commits or rolls back with the operation itself.
 *
 * - `platform_register_tenant`, `platform_set_tenant_status` (with the status before and after)
 *   and `platform_list_tenants` (with how many were listed) record `platform.*` events on the
 *   `platform` stream, about the tenant concerned (`subject_tenant_id`).
 * - `resolve_ciam_login(issuer, subject)` records `login.resolve` on the `login` stream: the
 *   issuer and subject asked about (each cut to 500 characters) and every (tenant, user) pair it
 *   answered, also when it answered none. It becomes VOLATILE (it writes), so it needs a
 *   read-write transaction, which `resolveLogin` opens.
 *
 * The functions keep their owners, grants, settings and results; their owners may execute
 * `record_system_event` (granted by CreateSystemAuditLog). The actor, when the caller names one,
 * is the transaction's `app.actor` setting (`withPlatformRole(..., { actor })`); the database
 * login is recorded in every case.
 *
 * Locks: none; the functions are replaced in place.
 */
export class RecordPlatformEvents1754250063000 implements MigrationInterface {
  name = 'RecordPlatformEvents1754250063000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE OR REPLACE FUNCTION platform_register_tenant(tenant_name text, tenant_slug text)
      RETURNS uuid
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = public, pg_temp
      AS $$
      DECLARE
        new_id uuid;
      BEGIN
        INSERT INTO tenants (name, slug) VALUES (tenant_name, tenant_slug) RETURNING id INTO new_id;
        PERFORM record_system_event('platform', 'platform.register_tenant', NULL, new_id, NULL, NULL,
                                    jsonb_build_object('name', tenant_name, 'slug', tenant_slug));
        RETURN new_id;
      END
      $$
    `);
    await q(`
      CREATE OR REPLACE FUNCTION platform_list_tenants()
      RETURNS TABLE (id uuid, name text, slug text, status tenant_status_enum, created_at timestamptz)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = public, pg_temp
      AS $$
      DECLARE
        listed bigint;
      BEGIN
        RETURN QUERY
          SELECT t.id, t.name, t.slug, t.status, t.created_at FROM tenants t
          WHERE t.deleted_at IS NULL ORDER BY t.slug;
        GET DIAGNOSTICS listed = ROW_COUNT;
        PERFORM record_system_event('platform', 'platform.list_tenants', NULL, NULL, NULL, NULL,
                                    jsonb_build_object('tenants', listed));
      END
      $$
    `);
    await q(`
      CREATE OR REPLACE FUNCTION platform_set_tenant_status(tenant uuid, new_status tenant_status_enum)
      RETURNS void
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = public, pg_temp
      AS $$
      DECLARE
        old_status tenant_status_enum;
      BEGIN
        SELECT t.status INTO old_status FROM tenants t WHERE t.id = tenant AND t.deleted_at IS NULL FOR UPDATE;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'platform_set_tenant_status: no live tenant %', tenant USING ERRCODE = 'P0002';
        END IF;
        UPDATE tenants SET status = new_status WHERE id = tenant AND deleted_at IS NULL;
        PERFORM record_system_event('platform', 'platform.set_tenant_status', NULL, tenant, NULL, NULL,
                                    jsonb_build_object('from', old_status, 'to', new_status));
      END
      $$
    `);
    await q(`
      CREATE OR REPLACE FUNCTION resolve_ciam_login(issuer text, subject text)
      RETURNS TABLE (tenant_id uuid, user_id uuid)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = public, pg_temp
      AS $$
      DECLARE
        tenant_ids uuid[];
        user_ids uuid[];
      BEGIN
        IF issuer IS NULL OR issuer = '' OR subject IS NULL OR subject = '' THEN
          RAISE EXCEPTION 'resolve_ciam_login: issuer and subject are required' USING ERRCODE = '22023';
        END IF;
        SELECT coalesce(array_agg(r.tenant_id ORDER BY r.tenant_id), '{}'), coalesce(array_agg(r.user_id ORDER BY r.tenant_id), '{}')
          INTO tenant_ids, user_ids
        FROM (
          SELECT m.tenant_id, m.user_id
          FROM ciam_systems s
          JOIN user_ciam_mappings m ON m.tenant_id = s.tenant_id AND m.ciam_system_id = s.id
          JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
          JOIN tenants t ON t.id = m.tenant_id
          WHERE s.issuer_url = issuer AND s.is_active AND s.deleted_at IS NULL
            AND m.external_subject = subject AND m.unlinked_at IS NULL AND m.deleted_at IS NULL
            AND u.deleted_at IS NULL AND u.status IN ('invited', 'active')
            AND t.deleted_at IS NULL AND t.status <> 'archived'
        ) r;
        -- Every resolution is recorded, the ones that found nobody too (probing shows up).
        PERFORM record_system_event('login', 'login.resolve', NULL,
          CASE WHEN cardinality(tenant_ids) = 1 THEN tenant_ids[1] END, NULL, NULL,
          jsonb_build_object(
            'issuer', left(issuer, ${LOGIN_TEXT_LIMIT}), 'subject', left(subject, ${LOGIN_TEXT_LIMIT}),
            'cut', char_length(issuer) > ${LOGIN_TEXT_LIMIT} OR char_length(subject) > ${LOGIN_TEXT_LIMIT},
            'resolved', (SELECT coalesce(jsonb_agg(jsonb_build_object('tenant_id', p.t, 'user_id', p.u) ORDER BY p.o), '[]')
                         FROM unnest(tenant_ids, user_ids) WITH ORDINALITY AS p(t, u, o))));
        RETURN QUERY SELECT p.t, p.u FROM unnest(tenant_ids, user_ids) WITH ORDINALITY AS p(t, u, o) ORDER BY p.o;
      END
      $$
    `);
    await q(`COMMENT ON FUNCTION platform_register_tenant(text, text) IS 'Platform operation: creates a tenant and returns its id; recorded in the system audit log. Callable by foundation_platform only.'`);
    await q(`COMMENT ON FUNCTION platform_list_tenants() IS 'Platform operation: every live tenant (id, name, slug, status, created_at); no tenant data; recorded in the system audit log. Callable by foundation_platform only.'`);
    await q(`COMMENT ON FUNCTION platform_set_tenant_status(uuid, tenant_status_enum) IS 'Platform operation: sets a live tenant''s status; raises P0002 for an unknown tenant; recorded in the system audit log. Callable by foundation_platform only.'`);
    await q(`COMMENT ON FUNCTION resolve_ciam_login(text, text) IS 'Sign-in: (issuer, subject) to (tenant_id, user_id) for live linked identities, without a tenant context; every resolution is recorded in the system audit log. Runs as foundation_login_resolver; callable by foundation_app only.'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const platform = new CreatePlatformOperations1754250034000();
    const login = new CreateLoginResolution1754250035000();
    const restore = [
      [login, 'CREATE OR REPLACE FUNCTION resolve_ciam_login'],
      [login, 'COMMENT ON FUNCTION resolve_ciam_login'],
      [platform, 'CREATE OR REPLACE FUNCTION platform_set_tenant_status'],
      [platform, 'COMMENT ON FUNCTION platform_set_tenant_status'],
      [platform, 'CREATE OR REPLACE FUNCTION platform_list_tenants'],
      [platform, 'COMMENT ON FUNCTION platform_list_tenants'],
      [platform, 'CREATE OR REPLACE FUNCTION platform_register_tenant'],
      [platform, 'COMMENT ON FUNCTION platform_register_tenant'],
    ] as const;
    for (const [migration, text] of restore) await queryRunner.query(await landedStatement(migration, text));
  }
}
