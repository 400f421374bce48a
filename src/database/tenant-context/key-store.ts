import { TenantContextKey } from './context-key';

/** Anything that runs SQL with bind parameters: a DataSource, an EntityManager, a QueryRunner or a pg client. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<any>;
}

const rowsOf = (result: any): Record<string, any>[] => (Array.isArray(result) ? result : result.rows);

/**
 * Installs the key in the database (`install_tenant_context_key`, callable by the schema owner
 * only): true when added, false when it was already there. The secret goes as a bind parameter,
 * never into SQL text. Refused (23505) when the id is installed with another secret.
 */
export async function installTenantContextKey(runner: SqlRunner, key: TenantContextKey): Promise<boolean> {
  const rows = rowsOf(
    await key.withSecret((secret) => runner.query(`SELECT public.install_tenant_context_key($1, $2) AS added`, [key.id, secret])),
  );
  return rows[0]!.added;
}

/** Removes a key: proofs and contexts signed with it stop verifying at once. True when it existed. */
export async function retireTenantContextKey(runner: SqlRunner, keyId: string): Promise<boolean> {
  return rowsOf(await runner.query(`SELECT public.retire_tenant_context_key($1) AS retired`, [keyId]))[0]!.retired;
}

export interface InstalledKey {
  keyId: string;
  createdAt: Date;
}

/** Ids and install times of the keys the database accepts (never their secrets). */
export async function listTenantContextKeys(runner: SqlRunner): Promise<InstalledKey[]> {
  const rows = rowsOf(await runner.query(`SELECT key_id, created_at FROM public.list_tenant_context_keys()`));
  return rows.map((row) => ({ keyId: row.key_id, createdAt: row.created_at }));
}
