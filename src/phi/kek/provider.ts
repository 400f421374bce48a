/**
 * Where the key-encryption keys (KEKs) live: outside the database, so that no database copy
 * (replica, dump, backup) holds what unwraps a tenant's data keys. One KEK per tenant, so that
 * destroying one tenant's KEK makes that tenant's PHI unreadable everywhere and nobody else's.
 *
 * The interface is shaped after a KMS (AWS KMS, Google Cloud KMS, Azure Key Vault, Vault's
 * transit engine): the data key travels to the provider and back, the KEK never leaves it.
 * docs/encryption.md, "Key-encryption key providers", shows an AWS KMS implementation.
 */
export interface KeyEncryptionKeyProvider {
  /** Short name for messages and the `kek_id` column's prefix, such as `local` or `aws-kms`. */
  readonly name: string;

  /**
   * Id of the tenant's KEK, creating the KEK when the tenant has none yet (KMS: CreateKey and an
   * alias named after the tenant). Never recreates a destroyed one: a shredded tenant stays
   * shredded (throw KekUnavailableError instead).
   */
  tenantKekId(tenantId: string): Promise<string>;

  /** Encrypts a 32-byte data key under the KEK (KMS: Encrypt with an encryption context). */
  wrap(request: WrapRequest & { plaintextKey: Buffer }): Promise<Buffer>;

  /**
   * Decrypts a wrapped data key (KMS: Decrypt with the same encryption context). Throws
   * KekUnavailableError when the KEK no longer exists or is disabled.
   */
  unwrap(request: WrapRequest & { wrappedKey: Buffer }): Promise<Buffer>;

  /**
   * Destroys the tenant's KEK for good (KMS: ScheduleKeyDeletion, whose waiting period of 7 to
   * 30 days is the last chance to cancel; disabling the key first makes it unusable at once).
   * Idempotent: destroying a KEK that is already gone succeeds.
   */
  destroyTenantKek(tenantId: string): Promise<void>;
}

/** What a wrapped key is bound to: the provider passes it as associated data / encryption context. */
export interface WrapRequest {
  kekId: string;
  tenantId: string;
  keyVersion: number;
}

/** The KEK is gone (destroyed by crypto-shredding) or was never created. */
export class KekUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KekUnavailableError';
  }
}

/** The associated data (encryption context) of a wrapped data key: tenant, purpose and version. */
export function wrapContext(request: WrapRequest): Record<string, string> {
  return { purpose: 'foundation-db/phi-data-key/v1', tenant: request.tenantId, keyVersion: String(request.keyVersion) };
}
