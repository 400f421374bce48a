import { QueryRunner } from 'typeorm';
import { enterTenant } from '../database/tenant-context/enter-tenant';
import { TenantContextKey } from '../database/tenant-context/context-key';

/**
 * Inserts seed rows that are not there yet and counts the ones it added. Idempotent by
 * primary key: a row whose key exists is left exactly as it is (never updated), so running
 * the seed again changes nothing and does not undo a developer's edits.
 */
export class SeedWriter {
  readonly inserted = new Map<string, number>();

  constructor(
    readonly runner: QueryRunner,
    private readonly contextKey?: TenantContextKey,
  ) {}

  /**
   * The tenant whose rows the next statements write. Under row-level security the policies
   * read the transaction's tenant context, and FORCE ROW LEVEL SECURITY applies them even to the
   * table owner that seeds: the seed enters each tenant with a proof, as withTenant does (a
   * tenant not created yet is entered as `unknown`, which may write its own tenants row).
   * Local to the seed's transaction.
   */
  async actAsTenant(tenantId: string): Promise<void> {
    await enterTenant(this.runner, tenantId, { key: this.contextKey });
  }

  /**
   * INSERT ... ON CONFLICT ON CONSTRAINT pk_<table> DO NOTHING: for ordinary tables. Only a
   * clash on the primary key means "already seeded"; a clash on any other unique rule (a
   * developer's own user with a seed e-mail address) fails loudly, naming the constraint.
   */
  async insert(table: string, rows: Record<string, unknown>[]): Promise<void> {
    for (const row of rows) {
      const columns = Object.keys(row);
      const result = await this.runner.query(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})
         ON CONFLICT ON CONSTRAINT pk_${table} DO NOTHING RETURNING 1 AS added`,
        columns.map((column) => row[column]),
      );
      this.count(table, result.length);
    }
  }

  /**
   * Looks the key up first and inserts only a missing row: for tables whose BEFORE INSERT
   * triggers have side effects (the audit log's hash chain advances its head), where ON
   * CONFLICT DO NOTHING would fire the trigger and then discard the row.
   */
  async insertIfMissing(table: string, key: string[], rows: Record<string, unknown>[]): Promise<void> {
    for (const row of rows) {
      const found = await this.runner.query(
        `SELECT 1 FROM ${table} WHERE ${key.map((column, i) => `${column} = $${i + 1}`).join(' AND ')}`,
        key.map((column) => row[column]),
      );
      if (found.length > 0) {
        this.count(table, 0);
        continue;
      }
      const columns = Object.keys(row);
      await this.runner.query(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        columns.map((column) => row[column]),
      );
      this.count(table, 1);
    }
  }

  private count(table: string, added: number): void {
    this.inserted.set(table, (this.inserted.get(table) ?? 0) + added);
  }
}
