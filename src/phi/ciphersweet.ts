import { BlindIndex, BoringCrypto, CipherSweet, EncryptedField, StringProvider, SymmetricKey } from 'ciphersweet-js';

/**
 * The one place that touches ciphersweet-js (docs/encryption.md, "Library"): an engine per data
 * key with the BoringCrypto backend (XChaCha20 with a BLAKE2b MAC, key-committing, the library's
 * default and its choice for multi-tenant data), and per field an EncryptedField, whose key the
 * library derives from the data key, the table and the column.
 */
export interface FieldCipher {
  encrypt(plaintext: string, associatedData: string): Promise<string>;
  decrypt(libraryCiphertext: string, associatedData: string): Promise<string>;
  /** Keyed hash of `plaintext` for blind index `name` (registered with `withBlindIndex`). */
  blindIndex(plaintext: string, name: string): Promise<Buffer>;
}

/** Public methods of EncryptedField and CipherSweet that the package's typings leave out. */
interface UntypedField {
  getBlindIndexRaw(plaintext: string, name: string, key: SymmetricKey): Promise<Buffer>;
}
interface UntypedEngine {
  getBlindIndexRootKey(table: string, field: string): Promise<SymmetricKey>;
}

export class DataKeyEngine {
  private readonly engine: CipherSweet;
  private readonly fields = new Map<string, Promise<FieldCipher>>();

  constructor(dataKey: Buffer) {
    if (dataKey.length !== 32) throw new RangeError('a data key is 32 bytes');
    // StringProvider takes the raw 32-byte key as a Buffer (its typings say hex string only).
    this.engine = new CipherSweet(new StringProvider(dataKey as unknown as string), new BoringCrypto());
  }

  /** The cipher of one field, with the blind indexes it may compute ({ name, bits }). */
  field(table: string, column: string, blindIndexes: readonly { name: string; bits: number }[] = []): Promise<FieldCipher> {
    const cacheKey = `${table}.${column}|${blindIndexes.map(({ name, bits }) => `${name}:${bits}`).join(',')}`;
    let cipher = this.fields.get(cacheKey);
    if (!cipher) {
      cipher = this.makeField(table, column, blindIndexes);
      this.fields.set(cacheKey, cipher);
      cipher.catch(() => this.fields.delete(cacheKey));
    }
    return cipher;
  }

  private async makeField(table: string, column: string, blindIndexes: readonly { name: string; bits: number }[]): Promise<FieldCipher> {
    const field = new EncryptedField(this.engine, table, column);
    for (const { name, bits } of blindIndexes) field.addBlindIndex(new BlindIndex(name, [], bits, true));
    const rootKey = blindIndexes.length
      ? await (this.engine as unknown as UntypedEngine).getBlindIndexRootKey(table, column)
      : undefined;
    // Text goes in as UTF-8 bytes: the library turns a JavaScript string into bytes with the
    // 'binary' (latin1) encoding, which would mangle every character beyond U+00FF.
    const utf8 = (text: string) => Buffer.from(text, 'utf8') as unknown as string;
    return {
      encrypt: (plaintext, associatedData) => field.encryptValue(utf8(plaintext), utf8(associatedData)),
      decrypt: async (ciphertext, associatedData) => (await field.decryptValue(ciphertext, utf8(associatedData))).toString('utf8'),
      blindIndex: (plaintext, name) => {
        if (!rootKey) throw new Error(`${table}.${column} has no blind index ${name}`);
        return (field as unknown as UntypedField).getBlindIndexRaw(utf8(plaintext), name, rootKey);
      },
    };
  }
}

/** The library's key wrapping for the local key-encryption key provider: its AEAD, no format of ours. */
export async function wrapWithLibrary(wrappingKey: Buffer, dataKey: Buffer, associatedData: string): Promise<Buffer> {
  const aad = Buffer.from(associatedData, 'utf8') as unknown as string;
  const ciphertext = await new BoringCrypto().encrypt(dataKey, new SymmetricKey(wrappingKey), aad);
  return Buffer.from(ciphertext, 'ascii');
}

export async function unwrapWithLibrary(wrappingKey: Buffer, wrapped: Buffer, associatedData: string): Promise<Buffer> {
  const aad = Buffer.from(associatedData, 'utf8') as unknown as string;
  return new BoringCrypto().decrypt(wrapped.toString('ascii'), new SymmetricKey(wrappingKey), aad);
}
