import { DataKeyEngine } from './ciphersweet';
import { openEnvelope, sealEnvelope } from './envelope';
import { PhiDecryptionError, PhiKeyUnavailableError } from './errors';
import { checkedField, checkedUuid, FieldRef } from './field-ref';
import { BlindIndexSpec, NAME_TOKENS } from './fields';
import { trigramsOf } from './name-search';

/** One usable version of a tenant's data key. */
export interface TenantDataKey {
  version: number;
  /** active: encrypts; retiring: decrypts, and lookups still search it; retired: decrypts only. */
  state: 'active' | 'retiring' | 'retired';
  engine: DataKeyEngine;
}

/**
 * The associated data bound into every field ciphertext: purpose, tenant, table, column, row
 * and key version. A ciphertext copied to another row, column or tenant, or given another
 * version in its envelope, fails authentication.
 */
export function associatedDataOf(tenantId: string, field: FieldRef, rowId: string, keyVersion: number): string {
  return ['foundation-db/phi/v1', tenantId, field.table, field.column, rowId, String(keyVersion)].join('\u001f');
}

/**
 * A tenant's field encryption for one transaction (or one batch of a key command): encrypts
 * with the active key version, decrypts with whichever version a value names, and computes
 * blind indexes and name tokens. Get one from `PhiKeyring.forTransaction(manager)`.
 */
export class TenantCipher {
  readonly activeVersion: number;
  private readonly byVersion: Map<number, TenantDataKey>;

  constructor(
    readonly tenantId: string,
    keys: TenantDataKey[],
  ) {
    this.tenantId = checkedUuid(tenantId, 'tenant id');
    this.byVersion = new Map(keys.map((key) => [key.version, key]));
    const active = keys.filter((key) => key.state === 'active');
    if (active.length !== 1) {
      throw new PhiKeyUnavailableError(`tenant ${tenantId} has ${active.length} active data keys; exactly one is needed to encrypt`);
    }
    this.activeVersion = active[0]!.version;
  }

  /** Versions a lookup must search: the active one and any a rotation is still moving away from. */
  get lookupVersions(): number[] {
    return [...this.byVersion.values()].filter((key) => key.state !== 'retired').map((key) => key.version).sort((a, b) => b - a);
  }

  /** Encrypts one value of `field` in row `rowId` (the row's id must be chosen before inserting). */
  async encrypt(field: FieldRef, rowId: string, plaintext: string): Promise<Buffer> {
    if (typeof plaintext !== 'string') throw new TypeError(`${field.table}.${field.column}: only text is encrypted`);
    const row = checkedUuid(rowId, 'row id');
    const key = this.byVersion.get(this.activeVersion)!;
    const cipher = await key.engine.field(checkedField(field).table, field.column);
    const ciphertext = await cipher.encrypt(plaintext, associatedDataOf(this.tenantId, field, row, key.version));
    return sealEnvelope(key.version, ciphertext);
  }

  /** Encrypts a value that may be absent: null stays null. */
  async encryptOptional(field: FieldRef, rowId: string, plaintext: string | null | undefined): Promise<Buffer | null> {
    return plaintext === null || plaintext === undefined ? null : this.encrypt(field, rowId, plaintext);
  }

  /**
   * Decrypts one value of `field` in row `rowId`. Throws PhiDecryptionError, naming the field,
   * row and tenant, when the value is not ours, belongs elsewhere, was altered, or its key
   * version is not available.
   */
  async decrypt(field: FieldRef, rowId: string, ciphertext: Buffer): Promise<string> {
    const opened = openEnvelope(ciphertext);
    if (!opened) throw new PhiDecryptionError(field, rowId, this.tenantId, 'not a field ciphertext (wrong format byte or too short)');
    const key = this.byVersion.get(opened.keyVersion);
    if (!key) {
      throw new PhiDecryptionError(field, rowId, this.tenantId, `key version ${opened.keyVersion} is not available to this tenant (destroyed, or never this tenant's)`);
    }
    try {
      const cipher = await key.engine.field(checkedField(field).table, field.column);
      return await cipher.decrypt(opened.libraryCiphertext, associatedDataOf(this.tenantId, field, rowId.toLowerCase(), key.version));
    } catch {
      // The library's own messages ("Invalid MAC", a base64 parse error) say nothing useful and
      // are dropped on purpose: the reason below covers every case, and carries no bytes.
      throw new PhiDecryptionError(
        field,
        rowId,
        this.tenantId,
        'authentication failed: the ciphertext belongs to another row, column or tenant, or was altered',
      );
    }
  }

  async decryptOptional(field: FieldRef, rowId: string, ciphertext: Buffer | null | undefined): Promise<string | null> {
    return ciphertext === null || ciphertext === undefined ? null : this.decrypt(field, rowId, ciphertext);
  }

  /** The key version a stored value was encrypted with (undefined when it is no ciphertext of ours). */
  static keyVersionOf(ciphertext: Buffer | null | undefined): number | undefined {
    return openEnvelope(ciphertext)?.keyVersion;
  }

  /** The blind index of `plaintext` under the active key version, to store beside the ciphertext. */
  async blindIndex(spec: BlindIndexSpec, plaintext: string): Promise<Buffer> {
    return this.blindIndexUnder(this.activeVersion, spec, plaintext);
  }

  /** The blind index under each lookup version: what to compare the stored column with (`= ANY`). */
  async lookupBlindIndexes(spec: BlindIndexSpec, plaintext: string): Promise<Buffer[]> {
    return Promise.all(this.lookupVersions.map((version) => this.blindIndexUnder(version, spec, plaintext)));
  }

  /** Name search tokens of `names` (first, last, preferred...) under the active key version. */
  async nameTokens(...names: (string | null | undefined)[]): Promise<number[]> {
    return this.nameTokensUnder(this.activeVersion, names.filter((name): name is string => typeof name === 'string').join(' '));
  }

  /** Tokens of a search query under every lookup version, merged. */
  async lookupNameTokens(query: string): Promise<number[]> {
    const all = await Promise.all(this.lookupVersions.map((version) => this.nameTokensUnder(version, query)));
    return [...new Set(all.flat())].sort((a, b) => a - b);
  }

  private async blindIndexUnder(version: number, spec: BlindIndexSpec, plaintext: string): Promise<Buffer> {
    const key = this.byVersion.get(version)!;
    const cipher = await key.engine.field(spec.field.table, spec.field.column, [{ name: spec.name, bits: spec.bits }]);
    return cipher.blindIndex(spec.normalise(plaintext), spec.name);
  }

  private async nameTokensUnder(version: number, text: string): Promise<number[]> {
    const key = this.byVersion.get(version)!;
    const cipher = await key.engine.field(NAME_TOKENS.field.table, NAME_TOKENS.field.column, [
      { name: NAME_TOKENS.name, bits: NAME_TOKENS.bits },
    ]);
    const tokens = new Set<number>();
    for (const trigram of trigramsOf(text)) tokens.add((await cipher.blindIndex(trigram, NAME_TOKENS.name)).readUInt16BE(0));
    return [...tokens].sort((a, b) => a - b);
  }
}
