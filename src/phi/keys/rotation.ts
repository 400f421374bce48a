import { DataSource, QueryRunner } from 'typeorm';
import { BLIND_INDEXES, encryptedColumn, PHI_FIELDS, PHI_TABLES, PhiTable } from '../fields';
import { PhiError, PhiKeyUnavailableError } from '../errors';
import { checkedUuid } from '../field-ref';
import { PhiKeyring } from '../keyring';
import { TenantCipher } from '../tenant-cipher';
import { inTenantAsOwner } from './owner-session';

export interface RotationProgress {
  tenantId: string;
  table: PhiTable;
  /** Rows of the table looked at so far in this pass, and how many the tenant has. */
  scanned: number;
  total: number;
  reencrypted: number;
}

export interface RotationOptions {
  /** Rows per batch; each batch is one short transaction. Default 500. */
  batchSize?: number;
  /** Pause between batches, to spare a busy primary. Default 0. */
  pauseMs?: number;
  /** Stops after the current batch; the rotation resumes with the next `rotate`. */
  signal?: AbortSignal;
  /** After each committed batch; the rotation waits for a returned promise. */
  onProgress?: (progress: RotationProgress) => void | Promise<void>;
}

export interface RotationReport {
  tenantId: string;
  toVersion: number;
  /** True when an interrupted rotation was continued rather than a new key made. */
  resumed: boolean;
  /** Values re-encrypted by this run. */
  reencrypted: number;
  /** Key versions retired at the end (empty when interrupted). */
  retiredVersions: number[];
  completed: boolean;
}

/** Another `rotate` of the same tenant holds the rotation lock. */
export class RotationInProgressError extends PhiError {}

const MAX_PASSES = 5;

/**
 * Rotates a tenant's data key: a new key version becomes active (so every new value is
 * encrypted with it from the next transaction on), then every stored value still on an older
 * version is decrypted and re-encrypted with the new one, with the clients' blind indexes and
 * name tokens recomputed, table by table in keyset order (`id > last ORDER BY id LIMIT n`), one
 * short transaction per batch. Every value stays readable throughout: old versions stay usable
 * (state `retiring`) until nothing uses them, then they are retired.
 *
 * Killable and resumable: a batch commits entirely or not at all; running `rotate` again
 * finds the `retiring` version, makes no new key, and continues (batches skip values already on
 * the new version). An UPDATE only applies if the row still holds the ciphertexts the batch
 * read, so a concurrent change by the application (which already writes with the new version)
 * wins. After a pass, remaining old values (written meanwhile by a process whose key list was
 * a moment old) are counted and another pass runs. Two rotations of one tenant exclude each
 * other through an advisory lock.
 *
 * Runs as the key store's owner (the migrating role). Rotation updates rows, so their
 * `updated_at` moves.
 */
export async function rotateTenantKey(dataSource: DataSource, keyring: PhiKeyring, tenantId: string, options: RotationOptions = {}): Promise<RotationReport> {
  const tenant = checkedUuid(tenantId, 'tenant id');
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await takeRotationLock(lockRunner, tenant);
    const { toVersion, fromVersions, resumed } = await startOrResume(dataSource, keyring, tenant);
    await keyring.emit({ kind: resumed ? 'rotation_resumed' : 'rotation_started', tenantId: tenant, fromVersions, toVersion, at: new Date() });

    let reencrypted = 0;
    for (let pass = 1; ; pass++) {
      for (const table of PHI_TABLES) {
        const done = await reencryptTable(dataSource, keyring, tenant, table, toVersion, options);
        reencrypted += done.reencrypted;
        if (done.aborted) return { tenantId: tenant, toVersion, resumed, reencrypted, retiredVersions: [], completed: false };
      }
      const remaining = await countOldValues(dataSource, tenant, toVersion);
      if (remaining === 0) break;
      if (pass >= MAX_PASSES) {
        throw new PhiError(`rotation of tenant ${tenant}: ${remaining} value(s) still on old key versions after ${pass} passes; run rotate again`);
      }
    }
    // TypeORM returns an UPDATE's result as [rows, affected count].
    const [retired]: [{ key_version: number }[], number] = await dataSource.query(
      `UPDATE phi_data_keys SET state = 'retired', retired_at = now()
       WHERE subject_tenant_id = $1 AND state = 'retiring' RETURNING key_version`,
      [tenant],
    );
    const retiredVersions = retired.map((row) => row.key_version).sort((a, b) => a - b);
    await keyring.emit({ kind: 'rotation_completed', tenantId: tenant, toVersion, retiredVersions, reencryptedValues: reencrypted, at: new Date() });
    return { tenantId: tenant, toVersion, resumed, reencrypted, retiredVersions, completed: true };
  } finally {
    await lockRunner.query(`SELECT pg_advisory_unlock_all()`).catch(() => undefined);
    await lockRunner.release();
  }
}

async function takeRotationLock(runner: QueryRunner, tenant: string): Promise<void> {
  const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`, [
    `foundation-db:phi-rotation:${tenant}`,
  ]);
  if (!locked) throw new RotationInProgressError(`a key rotation of tenant ${tenant} is already running (advisory lock held)`);
}

/** Makes the new active version, or finds the one an interrupted rotation made. */
async function startOrResume(dataSource: DataSource, keyring: PhiKeyring, tenant: string): Promise<{ toVersion: number; fromVersions: number[]; resumed: boolean }> {
  return dataSource.transaction(async (manager) => {
    const keys: { key_version: number; state: string }[] = await manager.query(
      `SELECT key_version, state::text AS state FROM phi_data_keys WHERE subject_tenant_id = $1 ORDER BY key_version FOR UPDATE`,
      [tenant],
    );
    if (keys.some((key) => key.state === 'destroyed')) throw new PhiKeyUnavailableError(`tenant ${tenant} was crypto-shredded; there is nothing to rotate`);
    const active = keys.find((key) => key.state === 'active');
    if (!active) throw new PhiKeyUnavailableError(`tenant ${tenant} has no data key yet; there is nothing to rotate`);
    const retiring = keys.filter((key) => key.state === 'retiring').map((key) => key.key_version);
    if (retiring.length > 0) return { toVersion: active.key_version, fromVersions: retiring, resumed: true };

    const toVersion = Math.max(...keys.map((key) => key.key_version)) + 1;
    const { kekId, wrappedKey } = await keyring.newWrappedKey(tenant, toVersion);
    await manager.query(`UPDATE phi_data_keys SET state = 'retiring' WHERE subject_tenant_id = $1 AND state = 'active'`, [tenant]);
    await manager.query(
      `INSERT INTO phi_data_keys (subject_tenant_id, key_version, state, kek_id, wrapped_key) VALUES ($1, $2, 'active', $3, $4)`,
      [tenant, toVersion, kekId, wrappedKey],
    );
    return { toVersion, fromVersions: [active.key_version], resumed: false };
  });
}

/** Columns rotation rewrites for a table: its ciphertexts, and for clients the derived lookups. */
function columnsOf(table: PhiTable): string[] {
  const encrypted = PHI_FIELDS[table].map(encryptedColumn);
  return table === 'clients' ? [...encrypted, 'date_of_birth_bidx', 'medical_record_number_bidx', 'name_search_tokens'] : encrypted;
}

async function reencryptTable(
  dataSource: DataSource,
  keyring: PhiKeyring,
  tenant: string,
  table: PhiTable,
  toVersion: number,
  options: RotationOptions,
): Promise<{ reencrypted: number; aborted: boolean }> {
  const batchSize = options.batchSize ?? 500;
  const columns = columnsOf(table);
  const encrypted = PHI_FIELDS[table].map((column) => ({ column, stored: encryptedColumn(column) }));
  const total: number = (
    await inTenantAsOwner(dataSource, tenant, (manager) => manager.query(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenant]))
  )[0].n;
  let last = '00000000-0000-0000-0000-000000000000';
  let scanned = 0;
  let reencrypted = 0;
  for (;;) {
    if (options.signal?.aborted) return { reencrypted, aborted: true };
    const batch = await inTenantAsOwner(dataSource, tenant, async (manager) => {
      const cipher = await keyring.forTenantAsOwner((sql, parameters) => manager.query(sql, parameters), tenant, { createIfMissing: false });
      if (cipher.activeVersion !== toVersion) throw new PhiError(`rotation of tenant ${tenant}: the active key is no longer version ${toVersion}`);
      const rows: Record<string, unknown>[] = await manager.query(
        `SELECT id, ${columns.join(', ')} FROM ${table} WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
        [tenant, last, batchSize],
      );
      let changed = 0;
      for (const row of rows) {
        const stale = encrypted.filter(({ stored }) => {
          const version = TenantCipher.keyVersionOf(row[stored] as Buffer | null);
          return version !== undefined && version !== toVersion;
        });
        if (stale.length === 0) continue;
        const id = row.id as string;
        const plain: Record<string, string | null> = {};
        const next: Record<string, unknown> = {};
        for (const { column, stored } of encrypted) {
          plain[column] = await cipher.decryptOptional({ table, column }, id, row[stored] as Buffer | null);
          next[stored] = await cipher.encryptOptional({ table, column }, id, plain[column]);
        }
        if (table === 'clients') {
          next.date_of_birth_bidx = await cipher.blindIndex(BLIND_INDEXES.dateOfBirth, plain.date_of_birth!);
          next.medical_record_number_bidx = await cipher.blindIndex(BLIND_INDEXES.medicalRecordNumber, plain.medical_record_number!);
          next.name_search_tokens = await cipher.nameTokens(plain.first_name, plain.last_name, plain.preferred_name);
        }
        const assignments = Object.keys(next).map((column, i) => `${column} = $${i + 3}`);
        const unchanged = encrypted.map(({ stored }, i) => `${stored} IS NOT DISTINCT FROM $${Object.keys(next).length + 3 + i}`);
        const [, updated] = await manager.query(
          `UPDATE ${table} SET ${assignments.join(', ')} WHERE tenant_id = $1 AND id = $2 AND ${unchanged.join(' AND ')}`,
          [tenant, id, ...Object.values(next), ...encrypted.map(({ stored }) => row[stored])],
        );
        changed += updated === 1 ? stale.length : 0;
      }
      return { count: rows.length, lastId: rows.at(-1)?.id as string | undefined, changed };
    });
    if (batch.count === 0) return { reencrypted, aborted: false };
    last = batch.lastId!;
    scanned += batch.count;
    reencrypted += batch.changed;
    await options.onProgress?.({ tenantId: tenant, table, scanned, total, reencrypted });
    if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
}

/** Values of the tenant in every PHI table whose envelope names another version than `toVersion`. */
export async function countOldValues(dataSource: DataSource, tenant: string, toVersion: number): Promise<number> {
  return inTenantAsOwner(dataSource, tenant, async (manager) => {
    let total = 0;
    for (const table of PHI_TABLES) {
      const condition = PHI_FIELDS[table].map((column) => `phi_ciphertext_key_version(${encryptedColumn(column)}) <> $2`).join(' OR ');
      const [{ n }] = await manager.query(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1 AND (${condition})`, [tenant, toVersion]);
      total += n;
    }
    return total;
  });
}
