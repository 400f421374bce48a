/**
 * The bytes stored in an `*_encrypted` column: a 5-byte header in front of the ciphertext
 * ciphersweet-js produced, so every value says which of the tenant's key versions encrypted it
 * (the design of Tink's output prefix):
 *
 *   byte 0      format, 0x01
 *   bytes 1-4   key version, unsigned 32-bit big-endian
 *   bytes 5...  ciphersweet's ciphertext, ASCII: "brng:" + base64url(nonce, MAC, ciphertext)
 *
 * The header is not secret and not trusted: the key version is also part of the associated data
 * the library authenticates, so changing it makes decryption fail. The database's
 * `chk_<table>_<column>_envelope` CHECKs and `phi_ciphertext_key_version(bytea)` read the same
 * layout.
 */
export const ENVELOPE_FORMAT_V1 = 0x01;
const HEADER_LENGTH = 5;
const MAX_VERSION = 0x7fffffff;

export function sealEnvelope(keyVersion: number, libraryCiphertext: string): Buffer {
  if (!Number.isInteger(keyVersion) || keyVersion < 1 || keyVersion > MAX_VERSION) {
    throw new RangeError(`key version must be an integer from 1 to ${MAX_VERSION}`);
  }
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt8(ENVELOPE_FORMAT_V1, 0);
  header.writeUInt32BE(keyVersion, 1);
  return Buffer.concat([header, Buffer.from(libraryCiphertext, 'ascii')]);
}

/** The key version and the library's ciphertext, or undefined when `bytes` is no envelope of ours. */
export function openEnvelope(bytes: unknown): { keyVersion: number; libraryCiphertext: string } | undefined {
  if (!Buffer.isBuffer(bytes) || bytes.length <= HEADER_LENGTH || bytes[0] !== ENVELOPE_FORMAT_V1) return undefined;
  const keyVersion = bytes.readUInt32BE(1);
  if (keyVersion < 1 || keyVersion > MAX_VERSION) return undefined;
  return { keyVersion, libraryCiphertext: bytes.subarray(HEADER_LENGTH).toString('ascii') };
}
