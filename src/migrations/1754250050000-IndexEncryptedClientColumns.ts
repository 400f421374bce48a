import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the clients' encrypted identity (AddEncryptedClientColumns1754250049000), all
 * over live rows and leading with tenant_id:
 * - `uq_clients_tenant_id_medical_record_number_bidx`: a medical record number is unique among
 *   the tenant's live clients, now through its full-length blind index (bytea equality is
 *   LEAKPROOF, so the lookup stays an index condition under row-level security);
 * - `ix_clients_tenant_id_date_of_birth_bidx`: lookups by date of birth;
 * - `ix_clients_tenant_id_name_search_tokens`: GIN over (tenant_id, name_search_tokens) for
 *   name search (`&&` on the token array; btree_gin gives the GIN class for the uuid).
 *
 * Locks: none that block writes. Runs outside a transaction (`transaction = false`) so that
 * each index is built CONCURRENTLY (SHARE UPDATE EXCLUSIVE: reads and writes continue). Every
 * statement is idempotent; if one fails half-way an INVALID index may remain: drop it by hand
 * and run again. Every revert path runs `down` outside a transaction too.
 */
export class IndexEncryptedClientColumns1754250050000 implements MigrationInterface {
  name = 'IndexEncryptedClientColumns1754250050000';
  transaction = false as const;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_clients_tenant_id_medical_record_number_bidx
        ON clients (tenant_id, medical_record_number_bidx) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_clients_tenant_id_date_of_birth_bidx
        ON clients (tenant_id, date_of_birth_bidx) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`
      CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_clients_tenant_id_name_search_tokens
        ON clients USING gin (tenant_id, name_search_tokens) WHERE deleted_at IS NULL
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ix_clients_tenant_id_name_search_tokens`);
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ix_clients_tenant_id_date_of_birth_bidx`);
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS uq_clients_tenant_id_medical_record_number_bidx`);
  }
}
