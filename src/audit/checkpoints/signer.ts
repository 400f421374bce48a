import { KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Signature algorithms a checkpoint may carry; verification supports both. */
export type SignatureAlgorithm = 'ed25519' | 'ecdsa-p256-sha256';

/**
 * What signs checkpoints: a key the database never holds. Shaped like a KMS's asymmetric signing
 * call, so production can keep the private key in one: AWS KMS (key spec ECC_NIST_EDWARDS25519,
 * signing algorithm ED25519_SHA_512; or ECC_NIST_P256 with ECDSA_SHA_256), Google Cloud KMS
 * (EC_SIGN_ED25519), Azure Key Vault (P-256, ES256). An adapter implements `sign` with the
 * KMS client and returns the raw Ed25519 signature, or the DER-encoded ECDSA signature as KMSs
 * return it; docs/audit-log.md shows one.
 */
export interface CheckpointSigner {
  /** Fingerprint of the public key (keyIdOf), written into each checkpoint. */
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  sign(message: Buffer): Promise<Buffer>;
}

/** "sha256:" and the first 32 hex digits of the SHA-256 of the public key's SubjectPublicKeyInfo (DER). */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex').slice(0, 32)}`;
}

/** The algorithm a key signs with, or an error naming what it is instead. */
export function algorithmOf(key: KeyObject): SignatureAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256-sha256';
  throw new Error(`checkpoint keys are Ed25519 or ECDSA P-256, not ${key.asymmetricKeyType}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ''}`);
}

/** Signs with a private key held by this process (a PEM file: the development key, or a mounted secret). */
export class PrivateKeySigner implements CheckpointSigner {
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;

  constructor(private readonly key: KeyObject) {
    if (key.type !== 'private') throw new Error('a checkpoint signer needs a private key');
    this.algorithm = algorithmOf(key);
    this.keyId = keyIdOf(key);
  }

  static fromPemFile(file: string): PrivateKeySigner {
    return new PrivateKeySigner(createPrivateKey(readFileSync(file)));
  }

  get publicKeyPem(): string {
    return createPublicKey(this.key).export({ type: 'spki', format: 'pem' }).toString();
  }

  async sign(message: Buffer): Promise<Buffer> {
    return this.algorithm === 'ed25519' ? sign(null, message, this.key) : sign('sha256', message, { key: this.key, dsaEncoding: 'der' });
  }
}

export const DEVELOPMENT_KEY_FILE = 'checkpoint-dev-ed25519.pem';
export const DEVELOPMENT_PUBLIC_KEY_FILE = 'checkpoint-dev-ed25519.pub.pem';

/**
 * The development signing key in `directory` (a git-ignored folder), generated on first use:
 * an Ed25519 private key readable by its owner only, and its public key beside it, which
 * verification trusts by default. For development and tests only: production names a key file
 * (AUDIT_CHECKPOINT_KEY) or a KMS signer, and the CLI refuses to make one when NODE_ENV=production.
 */
export function developmentSigner(directory: string): PrivateKeySigner {
  const privateFile = path.join(directory, DEVELOPMENT_KEY_FILE);
  const publicFile = path.join(directory, DEVELOPMENT_PUBLIC_KEY_FILE);
  if (!existsSync(privateFile)) {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    // 'wx': never replace a key another process made meanwhile; that one wins and is read below.
    try {
      writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { flag: 'wx', mode: 0o600 });
      writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }), { flag: 'wx', mode: 0o644 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(privateFile, 0o600);
  const signer = PrivateKeySigner.fromPemFile(privateFile);
  if (!existsSync(publicFile)) writeFileSync(publicFile, signer.publicKeyPem, { mode: 0o644 });
  return signer;
}
