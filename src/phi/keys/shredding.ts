import { DataSource } from 'typeorm';
import { checkedUuid } from '../field-ref';
import { PhiKeyring } from '../keyring';

export interface ShredReport {
  tenantId: string;
  destroyedVersions: number[];
  kekId: string | null;
}

/**
 * Tenant offboarding by crypto-shredding: destroys the tenant's key-encryption key in the KEK
 * provider first (a KMS deletes it; the local provider deletes its file), then marks the
 * tenant's data keys destroyed and erases their wrapped copies in phi_data_keys.
 *
 * The first step is the one that counts: the wrapped data keys also sit in every database
 * backup taken before, and only the KEK, which lives outside the database, could unwrap them.
 * With it gone, the tenant's ciphertexts are unreadable in the live database, its replicas,
 * dumps and backups alike. Other tenants have their own KEKs and are untouched; the audit log
 * holds no PHI plaintext and is not touched either. The tenant's rows stay (its clear columns
 * remain, its ciphertexts are noise): archive or delete them as the offboarding requires.
 *
 * Idempotent: shredding a shredded tenant destroys nothing more and succeeds.
 */
export async function shredTenant(dataSource: DataSource, keyring: PhiKeyring, tenantId: string): Promise<ShredReport> {
  const tenant = checkedUuid(tenantId, 'tenant id');
  const [{ kek_id: kekId }] = await dataSource.query(
    `SELECT (SELECT kek_id FROM phi_data_keys WHERE subject_tenant_id = $1 ORDER BY key_version DESC LIMIT 1) AS kek_id`,
    [tenant],
  );
  await keyring.kek.destroyTenantKek(tenant);
  // TypeORM returns an UPDATE's result as [rows, affected count].
  const [destroyed]: [{ key_version: number }[], number] = await dataSource.query(
    `UPDATE phi_data_keys SET state = 'destroyed', wrapped_key = NULL, destroyed_at = now()
     WHERE subject_tenant_id = $1 AND state <> 'destroyed' RETURNING key_version`,
    [tenant],
  );
  keyring.forget(tenant);
  const destroyedVersions = destroyed.map((row) => row.key_version).sort((a, b) => a - b);
  await keyring.emit({ kind: 'tenant_shredded', tenantId: tenant, destroyedVersions, kekId, at: new Date() });
  return { tenantId: tenant, destroyedVersions, kekId };
}
