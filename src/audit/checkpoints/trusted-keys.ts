import { KeyObject, createPublicKey, verify } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { SignatureAlgorithm, algorithmOf, keyIdOf } from './signer';

/**
 * The public keys whose checkpoints verification believes, by key id. They come from outside
 * the checkpoint store (a file, a directory, configuration), never from the checkpoints
 * themselves: a checkpoint added to the store by someone else, signed with their own key, is
 * then simply not trusted.
 */
export class TrustedKeys {
  private readonly keys = new Map<string, { key: KeyObject; algorithm: SignatureAlgorithm }>();

  /** Public keys (PEM, SPKI) given as text. */
  static fromPemTexts(pems: string[]): TrustedKeys {
    return new TrustedKeys(pems.map((pem) => createPublicKey(pem)));
  }

  /** The trusted keys as PEM text. */
  get pems(): string[] {
    return [...this.keys.values()].map(({ key }) => key.export({ type: 'spki', format: 'pem' }).toString());
  }

  constructor(keys: KeyObject[]) {
    for (const key of keys) {
      const publicKey = key.type === 'private' ? createPublicKey(key) : key;
      this.keys.set(keyIdOf(publicKey), { key: publicKey, algorithm: algorithmOf(publicKey) });
    }
  }

  /** Public keys (PEM, SPKI) from files, or from every `*.pub.pem` file of a directory. */
  static fromPaths(paths: string[]): TrustedKeys {
    const files = paths.flatMap((entry) =>
      existsSync(entry) && !entry.endsWith('.pem')
        ? readdirSync(entry).filter((name) => name.endsWith('.pub.pem')).map((name) => path.join(entry, name))
        : [entry],
    );
    return new TrustedKeys(files.map((file) => createPublicKey(readFileSync(file))));
  }

  get ids(): string[] {
    return [...this.keys.keys()];
  }

  get size(): number {
    return this.keys.size;
  }

  /** Whether `signature` over `message` was made by the trusted key `keyId` with `algorithm`. */
  verify(message: Buffer, signature: Buffer, keyId: string, algorithm: string): boolean {
    const entry = this.keys.get(keyId);
    if (!entry || entry.algorithm !== algorithm) return false;
    try {
      return entry.algorithm === 'ed25519'
        ? verify(null, message, entry.key, signature)
        : verify('sha256', message, { key: entry.key, dsaEncoding: 'der' }, signature);
    } catch {
      return false;
    }
  }
}
