import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unwrapWithLibrary, wrapWithLibrary } from '../ciphersweet';
import { KekUnavailableError, KeyEncryptionKeyProvider, WrapRequest, wrapContext } from './provider';
import { createFileOnce } from '../../database/create-file-once';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PREFIX = 'local:';

/**
 * Development key-encryption keys: one random 32-byte key per tenant in a file of its own
 * (`<folder>/<tenant>.kek`, mode 0600, folder 0700), generated on first use, never in the
 * database. Destroying a tenant's KEK deletes its file. For development and tests only: a file
 * on the application's disk is neither access-controlled, audited nor backed up like a KMS key,
 * and `keyEncryptionKeyProviderFromEnvironment` refuses it with NODE_ENV=production.
 *
 * Wrapping uses the field encryption library's own AEAD (ciphersweet-js's BoringCrypto) with
 * the tenant, purpose and key version as associated data.
 */
export class LocalKeyEncryptionKeyProvider implements KeyEncryptionKeyProvider {
  readonly name = 'local';

  constructor(readonly folder: string) {}

  async tenantKekId(tenantId: string): Promise<string> {
    const file = this.fileOf(tenantId);
    if (!existsSync(file)) {
      if (existsSync(this.tombstoneOf(tenantId))) {
        throw new KekUnavailableError(`the key-encryption key of tenant ${tenantId} was destroyed (crypto-shredded); it is never recreated`);
      }
      this.create(file);
    }
    return `${PREFIX}${tenantId}`;
  }

  async wrap(request: WrapRequest & { plaintextKey: Buffer }): Promise<Buffer> {
    return wrapWithLibrary(this.read(request), request.plaintextKey, associatedData(request));
  }

  async unwrap(request: WrapRequest & { wrappedKey: Buffer }): Promise<Buffer> {
    return unwrapWithLibrary(this.read(request), request.wrappedKey, associatedData(request));
  }

  async destroyTenantKek(tenantId: string): Promise<void> {
    const file = this.fileOf(tenantId);
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    // A tombstone, so that first use cannot quietly create a new KEK for a shredded tenant.
    writeFileSync(this.tombstoneOf(tenantId), `destroyed ${new Date().toISOString()}\n`, { mode: 0o600 });
    if (existsSync(file)) {
      // Overwriting first is best effort (journaling and SSDs may keep old blocks); a KMS
      // destroys keys inside its HSMs, which is why production needs one.
      writeFileSync(file, randomBytes(64).toString('hex'));
      unlinkSync(file);
    }
  }

  private read(request: WrapRequest): Buffer {
    if (request.kekId !== `${PREFIX}${request.tenantId}`) {
      throw new KekUnavailableError(`kek ${request.kekId} is not the local key-encryption key of tenant ${request.tenantId}`);
    }
    const file = this.fileOf(request.tenantId);
    if (!existsSync(file)) {
      throw new KekUnavailableError(
        `the key-encryption key of tenant ${request.tenantId} does not exist in ${this.folder} (destroyed by crypto-shredding, or another key folder)`,
      );
    }
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    if (key.length !== 32) throw new KekUnavailableError(`${file} does not hold a 32-byte key`);
    return key;
  }

  /** Writes a new key once, atomically (createFileOnce: the first process to link it wins). */
  private create(file: string): void {
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    chmodSync(this.folder, 0o700);
    createFileOnce(file, `${randomBytes(32).toString('hex')}\n`);
    if ((statSync(file).mode & 0o077) !== 0) throw new Error(`${file} is readable by others; it must be mode 0600`);
  }

  private fileOf(tenantId: string): string {
    if (!UUID.test(tenantId)) throw new TypeError('tenant id must be a lower-case UUID');
    return path.join(this.folder, `${tenantId}.kek`);
  }

  private tombstoneOf(tenantId: string): string {
    return `${this.fileOf(tenantId)}.destroyed`;
  }
}

function associatedData(request: WrapRequest): string {
  return Object.entries(wrapContext(request))
    .map(([key, value]) => `${key}=${value}`)
    .join('\u001f');
}
