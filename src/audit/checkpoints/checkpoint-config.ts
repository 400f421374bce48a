import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../database/project-root';
import { DirectoryCheckpointStore } from './checkpoint-store';
import { CheckpointSigner, PrivateKeySigner, developmentSigner } from './signer';
import { TrustedKeys } from './trusted-keys';

/**
 * Where the command-line tools find the checkpoint store and the keys. Flags win over the
 * environment, which wins over the development defaults under the git-ignored `.audit/` folder:
 *
 * | what             | flag                  | environment                    | default                              |
 * |------------------|-----------------------|--------------------------------|--------------------------------------|
 * | checkpoint store | --store <dir>         | AUDIT_CHECKPOINT_STORE         | .audit/checkpoints/<database>        |
 * | signing key      | --key <pem>           | AUDIT_CHECKPOINT_KEY           | .audit/keys/checkpoint-dev-ed25519.pem, made on first use (never with NODE_ENV=production) |
 * | trusted keys     | --public-key <pem>... | AUDIT_CHECKPOINT_PUBLIC_KEYS   | every .audit/keys/*.pub.pem          |
 *
 * A KMS signer is not a file: code that uses one calls makeCheckpoint with its own signer.
 */
export interface CheckpointSettings {
  store?: string;
  key?: string;
  publicKeys?: string[];
}

/** A configuration the user must fix: printed as one line, exit code 2. */
export class AuditConfigError extends Error {
  override readonly name = 'AuditConfigError';
}

export const auditFolder = () => path.join(projectRoot(), '.audit');

export function checkpointStoreFor(database: string, settings: CheckpointSettings, env: NodeJS.ProcessEnv = process.env): DirectoryCheckpointStore {
  const location = settings.store ?? env.AUDIT_CHECKPOINT_STORE?.trim() ?? path.join(auditFolder(), 'checkpoints', database);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new AuditConfigError(`checkpoint store ${location}: the command line writes to a directory; object storage is used through ObjectLockCheckpointStore (docs/audit-log.md)`);
  }
  return new DirectoryCheckpointStore(path.resolve(location));
}

export function checkpointSignerFrom(settings: CheckpointSettings, env: NodeJS.ProcessEnv = process.env): CheckpointSigner {
  const file = settings.key ?? env.AUDIT_CHECKPOINT_KEY?.trim();
  if (file) {
    try {
      return PrivateKeySigner.fromPemFile(file);
    } catch (error) {
      throw new AuditConfigError(`checkpoint signing key ${file}: ${(error as Error).message}`);
    }
  }
  if (env.NODE_ENV === 'production') {
    throw new AuditConfigError('no checkpoint signing key: set AUDIT_CHECKPOINT_KEY (a PEM file) or sign through a KMS; a development key is never made with NODE_ENV=production');
  }
  return developmentSigner(path.join(auditFolder(), 'keys'));
}

/** The trusted public keys, plus the signer's own when it holds its key. */
export function trustedKeysFrom(settings: CheckpointSettings, signer?: CheckpointSigner, env: NodeJS.ProcessEnv = process.env): TrustedKeys {
  const configured = settings.publicKeys?.length
    ? settings.publicKeys
    : env.AUDIT_CHECKPOINT_PUBLIC_KEYS?.split(',').map((item) => item.trim()).filter(Boolean) ?? [];
  const paths = configured.length > 0 ? configured : [path.join(auditFolder(), 'keys')].filter((dir) => existsSync(dir));
  try {
    const keys = TrustedKeys.fromPaths(paths);
    return signer instanceof PrivateKeySigner ? TrustedKeys.fromPemTexts([...keys.pems, signer.publicKeyPem]) : keys;
  } catch (error) {
    throw new AuditConfigError(`trusted checkpoint keys ${paths.join(', ')}: ${(error as Error).message}`);
  }
}
