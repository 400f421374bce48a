import { MigrationInterface, QueryRunner } from 'typeorm';

/** The name expression the trigram indexes cover; a search must use exactly this expression. */
const FULL_NAME = `(first_name || ' ' || last_name)`;

/**
 * Replaces the trigram index on client names with one that leads with tenant_id:
 * `ix_clients_tenant_id_full_name_trgm` on (tenant_id, full name) USING gin, live rows only.
 * Every name search is within one tenant, so the index now narrows to that tenant's entries
 * instead of matching every tenant's clients and filtering afterwards. btree_gin provides the
 * GIN operator class for the uuid column.
 *
 * Locks: none that block writes. Runs outside a transaction (`transaction = false`) so that
 * both indexes are built and dropped CONCURRENTLY (SHARE UPDATE EXCLUSIVE: reads and writes
 * continue). If it fails half-way, an INVALID index may remain: run it again (IF NOT EXISTS
 * skips a valid one; drop an invalid one by hand first). TypeORM's own revert ignores
 * `transaction = false`; FoundationDataSource honours it, so every revert path runs this
 * `down` outside a transaction too.
 */
export class IndexClientNamesByTenant1754250032000 implements MigrationInterface {
  name = 'IndexClientNamesByTenant1754250032000';
  transaction = false as const;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);
    await queryRunner.query(`
      CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_clients_tenant_id_full_name_trgm
        ON clients USING gin (tenant_id, ${FULL_NAME} gin_trgm_ops) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ix_clients_full_name_trgm`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_clients_full_name_trgm
        ON clients USING gin (${FULL_NAME} gin_trgm_ops) WHERE deleted_at IS NULL
    `);
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ix_clients_tenant_id_full_name_trgm`);
    await queryRunner.query(`DROP EXTENSION IF EXISTS btree_gin`);
  }
}
