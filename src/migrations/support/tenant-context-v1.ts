/**
 * SQL for the proof-bound tenant context, version 1 (migration VerifyTenantContext1754250081000).
 *
 * Like every helper here, it only builds SQL strings and is as immutable as the migrations that
 * call it: a change would change the checksum of a landed migration. Write `tenant-context-v2.ts`
 * for new behaviour.
 *
 * Two formats, both `.`-separated ASCII with an HMAC-SHA256 (hex) over everything before the last
 * `.`, keyed by one of the `tenant_context_keys`:
 *
 * - the proof the application presents: `ftc1.<key id>.<tenant>.<backend pid>.<sequence>.<expires ms>.<mac>`
 * - the context `enter_tenant` mints from it, kept in the transaction-local setting
 *   `foundation.tenant_context`: `ftx1.<key id>.<tenant>.<status>.<backend pid>.<transaction start µs>.<mac>`
 *
 * The version prefix is inside the signed text, so a proof can never pass for a context or the
 * other way round. HMAC is computed with the core `sha256()` from the key's stored inner and outer
 * pads (key XOR 0x36 / 0x5c, RFC 2104), so no extension is needed.
 */

/** Transaction-local setting holding the context `enter_tenant` minted. Anyone may set it; only a signed one counts. */
export const TENANT_CONTEXT_SETTING = 'foundation.tenant_context';
/** Session setting: the highest proof sequence number accepted on this connection. */
export const PROOF_SEQUENCE_SETTING = 'foundation.tenant_proof_sequence';
/** How far ahead of the database's clock a proof may expire. */
export const PROOF_MAX_LIFETIME_MS = 60_000;
/** Statuses whose context may write; every other one is read-only. `unknown`: no such tenant row (yet). */
export const WRITABLE_STATUSES = ['active', 'unknown'];

/** `HMAC-SHA256(key, text)` as bytea, for a record variable holding `inner_pad` and `outer_pad`. */
function hmacSql(key: string, text: string): string {
  return `sha256(${key}.outer_pad || sha256(${key}.inner_pad || convert_to(${text}, 'UTF8')))`;
}

/** The transaction's start in whole microseconds since the epoch: its identity within this backend. */
const TRANSACTION_START_US = `(EXTRACT(epoch FROM transaction_timestamp()) * 1000000)::bigint`;

/** True when `field` is exactly 64 lower-case hex digits (cheaper than a regular expression). */
const isMacHex = (field: string) => `length(${field}) = 64 AND translate(${field}, '0123456789abcdef', '') = ''`;

/**
 * plpgsql statements that read and verify the context into `context_tenant` (uuid) and
 * `context_status` (text), both left NULL when there is none or it does not verify: wrong
 * backend, another transaction, unknown key, bad signature. The enclosing function declares
 * `context text, context_part text[], context_key record, context_tenant uuid, context_status text`.
 * Comparing sha256 of both MACs, rather than the MACs, keeps the comparison's timing independent
 * of the expected value.
 */
function verifyContextStatements(): string {
  return `
        context := current_setting('${TENANT_CONTEXT_SETTING}', true);
        IF context IS NULL OR context = '' THEN
          RETURN NULL;
        END IF;
        context_part := string_to_array(context, '.');
        IF array_length(context_part, 1) <> 7 OR context_part[1] <> 'ftx1' OR NOT (${isMacHex('context_part[7]')})
           OR context_part[5] <> pg_backend_pid()::text
           OR context_part[6] <> ${TRANSACTION_START_US}::text THEN
          RETURN NULL;
        END IF;
        SELECT k.inner_pad, k.outer_pad INTO context_key FROM tenant_context_keys k WHERE k.key_id = context_part[2];
        IF NOT FOUND THEN
          RETURN NULL;
        END IF;
        IF sha256(${hmacSql('context_key', 'left(context, -65)')}) <> sha256(decode(context_part[7], 'hex')) THEN
          RETURN NULL;
        END IF;
        context_tenant := context_part[3]::uuid;
        context_status := context_part[4];`;
}

const CONTEXT_DECLARATIONS = `
        context text;
        context_part text[];
        context_key record;
        context_tenant uuid;
        context_status text;`;

const PINNED = `SET search_path = pg_catalog, public, pg_temp`;

/**
 * `current_tenant_id()`: the tenant of a context minted by `enter_tenant` in this very
 * transaction on this very backend, or NULL. Every isolation policy reads it through
 * `(SELECT current_tenant_id())`, once per query. PARALLEL RESTRICTED: a parallel worker has
 * another backend pid, so it must run in the leader (which hands the value to the workers).
 */
export function currentTenantIdSql(): string {
  return `
      CREATE OR REPLACE FUNCTION current_tenant_id() RETURNS uuid
      LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
      ${PINNED}
      AS $$
      DECLARE${CONTEXT_DECLARATIONS}
      BEGIN${verifyContextStatements()}
        RETURN context_tenant;
      END
      $$`;
}

/**
 * `current_tenant_writable()`: true, or raises 25006 when the transaction's (verified) context is
 * a tenant whose status is not writable (suspended, archived, soft-deleted). Used by the
 * restrictive write policies (tenant-write-guard-v1.ts); without a context it is true, so roles
 * with policies of their own (the platform functions) are not affected.
 */
export function currentTenantWritableSql(): string {
  return `
      CREATE OR REPLACE FUNCTION current_tenant_writable() RETURNS boolean
      LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
      ${PINNED}
      AS $$
      DECLARE${CONTEXT_DECLARATIONS}
      BEGIN${verifyContextStatements().replaceAll('RETURN NULL;', 'RETURN true;')}
        IF context_status <> ALL (ARRAY[${WRITABLE_STATUSES.map((s) => `'${s}'`).join(', ')}]) THEN
          RAISE EXCEPTION 'tenant % is %: its data can be read but not written', context_tenant, context_status
            USING ERRCODE = '25006', HINT = 'A platform operator changes a tenant''s status (platform_set_tenant_status).';
        END IF;
        RETURN true;
      END
      $$`;
}

/**
 * `enter_tenant(proof)`: verifies the application's proof (signature, this backend, not expired,
 * not expiring more than a minute ahead, sequence above the last one accepted on this connection)
 * and sets the transaction's context; returns the tenant's status (`active`, `suspended`,
 * `archived`, `deleted` for a soft-deleted one, `unknown` when there is no such tenant). Every
 * refusal is SQLSTATE 28000 and names its reason; none reveals a key or an expected MAC.
 */
export function enterTenantSql(): string {
  return `
      CREATE OR REPLACE FUNCTION enter_tenant(proof text) RETURNS text
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      ${PINNED}
      AS $$
      DECLARE
        part text[] := string_to_array(proof, '.');
        proof_key record;
        tenant uuid;
        backend integer;
        sequence_number bigint;
        expires_ms bigint;
        now_ms bigint := (EXTRACT(epoch FROM clock_timestamp()) * 1000)::bigint;
        accepted text := current_setting('${PROOF_SEQUENCE_SETTING}', true);
        tenant_status text;
        signed text;
      BEGIN
        IF proof IS NULL OR array_length(part, 1) IS DISTINCT FROM 7 OR part[1] <> 'ftc1' OR NOT (${isMacHex('part[7]')}) THEN
          RAISE EXCEPTION 'enter_tenant: not a tenant proof' USING ERRCODE = '28000';
        END IF;
        SELECT k.inner_pad, k.outer_pad INTO proof_key FROM tenant_context_keys k WHERE k.key_id = part[2];
        IF NOT FOUND THEN
          RAISE EXCEPTION 'enter_tenant: no tenant-context key "%" is installed in this database', part[2]
            USING ERRCODE = '28000', HINT = 'The schema owner installs the application''s key: npm run tenant-context -- install-key (docs/tenancy.md).';
        END IF;
        IF sha256(${hmacSql('proof_key', 'left(proof, -65)')}) <> sha256(decode(part[7], 'hex')) THEN
          RAISE EXCEPTION 'enter_tenant: the proof''s signature does not verify with key "%"', part[2] USING ERRCODE = '28000';
        END IF;
        -- Signed by the holder of the key: the fields are as the application wrote them.
        tenant := part[3]::uuid;
        backend := part[4]::integer;
        sequence_number := part[5]::bigint;
        expires_ms := part[6]::bigint;
        IF backend <> pg_backend_pid() THEN
          RAISE EXCEPTION 'enter_tenant: the proof is for backend %, this is backend %', backend, pg_backend_pid()
            USING ERRCODE = '28000', HINT = 'A proof is bound to one connection; a transaction-pooling proxy between the application and PostgreSQL is not supported.';
        END IF;
        IF expires_ms < now_ms THEN
          RAISE EXCEPTION 'enter_tenant: the proof expired % ms ago (database clock)', now_ms - expires_ms
            USING ERRCODE = '28000', HINT = 'Proofs live seconds; check that the application''s and the database''s clocks agree.';
        END IF;
        IF expires_ms > now_ms + ${PROOF_MAX_LIFETIME_MS} THEN
          RAISE EXCEPTION 'enter_tenant: the proof expires % ms from now, more than the ${PROOF_MAX_LIFETIME_MS} ms allowed', expires_ms - now_ms
            USING ERRCODE = '28000', HINT = 'Shorten the proof lifetime, or check that the application''s clock is not ahead of the database''s.';
        END IF;
        -- A watermark longer than 15 digits was not set by this function (applications count
        -- within JavaScript's safe integers): ignore it rather than lock the connection out.
        IF length(accepted) BETWEEN 1 AND 15 AND translate(accepted, '0123456789', '') = '' AND sequence_number <= accepted::bigint THEN
          RAISE EXCEPTION 'enter_tenant: proof % was already used on this connection (last accepted %)', sequence_number, accepted
            USING ERRCODE = '28000';
        END IF;
        PERFORM set_config('${PROOF_SEQUENCE_SETTING}', sequence_number::text, false);
        SELECT CASE WHEN t.deleted_at IS NULL THEN t.status::text ELSE 'deleted' END INTO tenant_status
        FROM tenants t WHERE t.id = tenant;
        IF NOT FOUND THEN
          tenant_status := 'unknown';
        END IF;
        signed := 'ftx1.' || part[2] || '.' || tenant::text || '.' || tenant_status || '.' || pg_backend_pid()::text
                  || '.' || ${TRANSACTION_START_US}::text;
        PERFORM set_config('${TENANT_CONTEXT_SETTING}', signed || '.' || encode(${hmacSql('proof_key', 'signed')}, 'hex'), true);
        RETURN tenant_status;
      END
      $$`;
}
