import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { DataKeyEngine } from './ciphersweet';
import { PhiError, PhiKeyUnavailableError } from './errors';
import { checkedUuid } from './field-ref';
import { ignoreKeyEvents, KeyEvent, KeyEventSink } from './key-events';
import { KekUnavailableError, KeyEncryptionKeyProvider } from './kek/provider';
import { TenantCipher, TenantDataKey } from './tenant-cipher';

/** Runs SQL with parameters and returns the rows: a manager's, a query runner's or a DataSource's query. */
export type Query = (sql: string, parameters?: unknown[]) => Promise<any>;

/** A row of phi_data_keys as `phi_tenant_data_keys()` returns it. */
export interface StoredDataKey {
  key_version: number;
  state: 'active' | 'retiring' | 'retired' | 'destroyed';
  kek_id: string;
  wrapped_key: Buffer | null;
}

export interface PhiKeyringOptions {
  /** Where the key-encryption keys live (a KMS in production). */
  kek: KeyEncryptionKeyProvider;
  /** Receives key life-cycle events (see key-events.ts): the system audit log's hook. */
  onKeyEvent?: KeyEventSink;
  /** How long an unwrapped data key stays in this process's memory; default 5 minutes. */
  cacheTtlMs?: number;
  /** At most this many unwrapped data keys in memory; default 10,000. */
  maxCachedKeys?: number;
}

interface CachedEngine {
  engine: DataKeyEngine;
  expires: number;
}

/**
 * Per-process access to the tenants' data keys: loads a tenant's wrapped keys from the
 * database, unwraps them through the key-encryption key provider (one KMS call per key and
 * cache period, not per value), and hands out TenantCiphers.
 *
 * Create one per process and share it. It keeps unwrapped keys in memory for `cacheTtlMs`:
 * after a tenant is shredded, another process's cache still holds that tenant's keys until
 * they expire, but it no longer finds the key rows, so it stops encrypting and decrypting at
 * once (each cipher starts from the database's list of keys).
 */
export class PhiKeyring {
  readonly kek: KeyEncryptionKeyProvider;
  private readonly onKeyEvent: KeyEventSink;
  private readonly ttlMs: number;
  private readonly maxKeys: number;
  private readonly engines = new Map<string, CachedEngine>();

  constructor(options: PhiKeyringOptions) {
    this.kek = options.kek;
    this.onKeyEvent = options.onKeyEvent ?? ignoreKeyEvents;
    this.ttlMs = options.cacheTtlMs ?? 5 * 60_000;
    this.maxKeys = options.maxCachedKeys ?? 10_000;
  }

  /**
   * The current tenant's cipher, inside a `withTenant` transaction (as the application role):
   * reads the tenant from `current_tenant_id()` and its keys through `phi_tenant_data_keys()`.
   * A tenant with no key yet gets version 1, generated and wrapped now and stored through
   * `phi_create_first_data_key()` (unless `createIfMissing` is false). A shredded tenant's PHI
   * can be neither read nor written: PhiKeyUnavailableError.
   */
  async forTransaction(manager: EntityManager, { createIfMissing = true } = {}): Promise<TenantCipher> {
    const query: Query = (sql, parameters) => manager.query(sql, parameters);
    const [{ tenant_id: tenantId }] = await query(`SELECT current_tenant_id() AS tenant_id`);
    if (!tenantId) throw new PhiError('No tenant in context: use the manager that withTenant gives you');
    const load = () => query(`SELECT key_version, state, kek_id, wrapped_key FROM phi_tenant_data_keys()`) as Promise<StoredDataKey[]>;
    let rows = await load();
    if (rows.length === 0 && createIfMissing) {
      const { kekId, wrappedKey } = await this.newWrappedKey(tenantId, 1);
      let created: boolean;
      try {
        [{ created }] = await query(`SELECT phi_create_first_data_key($1, $2) AS created`, [kekId, wrappedKey]);
      } catch (error) {
        if ((error as { code?: string }).code === '42501') throw new PhiKeyUnavailableError((error as Error).message);
        throw error;
      }
      if (created) await this.emit({ kind: 'data_key_created', tenantId, keyVersion: 1, kekId, at: new Date() });
      rows = await load();
    }
    return this.cipherFrom(tenantId, rows);
  }

  /**
   * A tenant's cipher for the key store's owner (the key commands, the seed), who reads
   * phi_data_keys directly. `query` must run inside a transaction that entered the tenant when the
   * cipher is used on tenant tables; the key store itself has no forced row-level security.
   */
  async forTenantAsOwner(query: Query, tenantId: string, { createIfMissing = true } = {}): Promise<TenantCipher> {
    const tenant = checkedUuid(tenantId, 'tenant id');
    const load = () =>
      query(
        `SELECT key_version, state, kek_id, wrapped_key FROM phi_data_keys
         WHERE subject_tenant_id = $1 AND state <> 'destroyed' ORDER BY key_version`,
        [tenant],
      ) as Promise<StoredDataKey[]>;
    let rows = await load();
    if (rows.length === 0 && createIfMissing) {
      const [{ destroyed }] = await query(
        `SELECT count(*)::int AS destroyed FROM phi_data_keys WHERE subject_tenant_id = $1 AND state = 'destroyed'`,
        [tenant],
      );
      if (destroyed > 0) {
        throw new PhiKeyUnavailableError(`the data keys of tenant ${tenant} were destroyed (crypto-shredded); no new PHI may be written for it`);
      }
      const { kekId, wrappedKey } = await this.newWrappedKey(tenant, 1);
      const inserted = await query(
        `INSERT INTO phi_data_keys (subject_tenant_id, key_version, state, kek_id, wrapped_key)
         VALUES ($1, 1, 'active', $2, $3) ON CONFLICT DO NOTHING RETURNING key_version`,
        [tenant, kekId, wrappedKey],
      );
      if (inserted.length) await this.emit({ kind: 'data_key_created', tenantId: tenant, keyVersion: 1, kekId, at: new Date() });
      rows = await load();
    }
    return this.cipherFrom(tenant, rows);
  }

  /** A fresh random data key for `tenantId`, wrapped by the tenant's key-encryption key (created on first use). */
  async newWrappedKey(tenantId: string, keyVersion: number): Promise<{ kekId: string; wrappedKey: Buffer }> {
    const plaintextKey = randomBytes(32);
    try {
      const kekId = await this.kek.tenantKekId(tenantId);
      const wrappedKey = await this.kek.wrap({ kekId, tenantId, keyVersion, plaintextKey });
      return { kekId, wrappedKey };
    } catch (error) {
      if (error instanceof KekUnavailableError) throw new PhiKeyUnavailableError(error.message);
      throw error;
    } finally {
      plaintextKey.fill(0);
    }
  }

  /** Drops a tenant's unwrapped keys from this process's memory (after shredding, or to force a reload). */
  forget(tenantId: string): void {
    for (const cacheKey of [...this.engines.keys()]) if (cacheKey.startsWith(`${tenantId}:`)) this.engines.delete(cacheKey);
  }

  /** Sends an event to the configured sink (the key commands use it too). */
  async emit(event: KeyEvent): Promise<void> {
    await this.onKeyEvent(event);
  }

  private async cipherFrom(tenantId: string, rows: StoredDataKey[]): Promise<TenantCipher> {
    const usable = rows.filter((row) => row.state !== 'destroyed' && row.wrapped_key);
    if (usable.length === 0) {
      throw new PhiKeyUnavailableError(`tenant ${tenantId} has no data key (never created, or destroyed by crypto-shredding)`);
    }
    const keys: TenantDataKey[] = [];
    for (const row of usable) {
      try {
        keys.push({ version: row.key_version, state: row.state as TenantDataKey['state'], engine: await this.engineFor(tenantId, row) });
      } catch (error) {
        // A retired key is needed only for values restored from old backups: its loss must not
        // stop the tenant's live data.
        if (row.state === 'retired') continue;
        throw new PhiKeyUnavailableError(
          `data key version ${row.key_version} of tenant ${tenantId} cannot be unwrapped by the ${this.kek.name} key-encryption key provider: ${(error as Error).message}`,
        );
      }
    }
    return new TenantCipher(tenantId, keys);
  }

  private async engineFor(tenantId: string, row: StoredDataKey): Promise<DataKeyEngine> {
    const fingerprint = createHash('sha256').update(row.wrapped_key!).digest('hex');
    const cacheKey = `${tenantId}:${row.key_version}:${row.kek_id}:${fingerprint}`;
    const now = Date.now();
    const cached = this.engines.get(cacheKey);
    if (cached && cached.expires > now) return cached.engine;
    const dataKey = await this.kek.unwrap({ kekId: row.kek_id, tenantId, keyVersion: row.key_version, wrappedKey: row.wrapped_key! });
    const engine = new DataKeyEngine(dataKey);
    dataKey.fill(0);
    this.engines.delete(cacheKey);
    this.engines.set(cacheKey, { engine, expires: now + this.ttlMs });
    while (this.engines.size > this.maxKeys) this.engines.delete(this.engines.keys().next().value!);
    return engine;
  }
}
