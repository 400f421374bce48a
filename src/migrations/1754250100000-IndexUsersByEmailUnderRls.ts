import { MigrationInterface, QueryRunner } from 'typeorm';

/** ICU collation that compares case-insensitively (strength 2: case ignored, accents not). */
const COLLATION = 'case_insensitive';
const INDEX = 'ix_users_tenant_id_email_ci';

/**
 * Makes "user by e-mail" an index condition for the application role, under row-level security.
 *
 * `users.email` is citext, and citext's `=` is not LEAKPROOF: PostgreSQL therefore never applies
 * it before the policy's qual, so for foundation_app `WHERE email = $1` could only filter the
 * tenant's rows one by one after the policy's `tenant_id = (SELECT current_tenant_id())` had
 * found them through uq_users_tenant_id_email (1.8x to 2.45x the hand-filtered query). Neither
 * `lower(email::text) = lower($1)` helps: `lower()` is not LEAKPROOF either.
 *
 * What is LEAKPROOF: text `=` (texteq) on the column cast to text (a relabelling, no function),
 * under a nondeterministic ICU collation that ignores case. So this index, with tenant_id first
 * so the policy's qual is its first condition, and the lookup the application writes:
 *
 *   SELECT ... FROM users WHERE (email::text COLLATE case_insensitive) = $1 AND deleted_at IS NULL
 *
 * is one index scan on (tenant, address) with both as index conditions; row-level security is
 * untouched (the policy still applies; nothing is SECURITY DEFINER). Same answer as citext's
 * `=`: chk_users_email_format admits only ASCII addresses, whose case folding ICU and lower()
 * agree on.
 *
 * Locks: none that block writes. `transaction = false` to build (and drop) the index
 * CONCURRENTLY (SHARE UPDATE EXCLUSIVE). If it fails half-way an INVALID index may remain: drop
 * it (DROP INDEX CONCURRENTLY) and run again. Needs a server built with ICU (the embedded
 * PostgreSQL and the Debian packages are).
 */
export class IndexUsersByEmailUnderRls1754250100000 implements MigrationInterface {
  name = 'IndexUsersByEmailUnderRls1754250100000';
  transaction = false as const;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE COLLATION IF NOT EXISTS ${COLLATION} (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`);
    await queryRunner.query(
      `COMMENT ON COLLATION ${COLLATION} IS 'Case-insensitive comparison whose text = stays LEAKPROOF, so it can be an index condition under row-level security (users by e-mail).'`,
    );
    await queryRunner.query(`
      CREATE INDEX CONCURRENTLY IF NOT EXISTS ${INDEX}
        ON users (tenant_id, (email::text COLLATE ${COLLATION})) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(
      `COMMENT ON INDEX ${INDEX} IS 'User by e-mail for the application role: (email::text COLLATE case_insensitive) = $1 is an index condition under row-level security, where citext = is not.'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${INDEX}`);
    await queryRunner.query(`DROP COLLATION IF EXISTS ${COLLATION}`);
  }
}
