import path from 'node:path';
import { projectRoot } from '../../database/project-root';
import { PhiConfigurationError } from '../errors';
import { LocalKeyEncryptionKeyProvider } from './local-provider';
import { KeyEncryptionKeyProvider } from './provider';

/** A module exporting `createKeyEncryptionKeyProvider(env)`: the production KMS adapter. */
export const KEK_MODULE_VARIABLE = 'FOUNDATION_PHI_KEK_MODULE';
/** Folder of the development key-encryption keys (default `.pgdata/phi-keys`, git-ignored). */
export const LOCAL_KEK_FOLDER_VARIABLE = 'FOUNDATION_PHI_KEY_DIR';

/** The development default: next to the embedded clusters, inside the git-ignored `.pgdata/`. */
export function defaultLocalKekFolder(): string {
  return path.join(projectRoot(), '.pgdata', 'phi-keys');
}

/**
 * The key-encryption key provider the environment configures:
 * - FOUNDATION_PHI_KEK_MODULE=<path>: `require(path).createKeyEncryptionKeyProvider(env)`, for
 *   production (a KMS adapter; docs/encryption.md has one for AWS KMS);
 * - otherwise the local development provider in FOUNDATION_PHI_KEY_DIR (default
 *   `.pgdata/phi-keys`), refused with NODE_ENV=production, where keys on the application's
 *   own disk would defeat the purpose.
 */
export function keyEncryptionKeyProviderFromEnvironment(env: NodeJS.ProcessEnv = process.env): KeyEncryptionKeyProvider {
  const modulePath = env[KEK_MODULE_VARIABLE]?.trim();
  if (modulePath) {
    let exported: { createKeyEncryptionKeyProvider?: (env: NodeJS.ProcessEnv) => KeyEncryptionKeyProvider };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      exported = require(path.resolve(modulePath));
    } catch (error) {
      throw new PhiConfigurationError(`${KEK_MODULE_VARIABLE}=${modulePath} cannot be loaded: ${(error as Error).message.split('\n')[0]}`);
    }
    if (typeof exported.createKeyEncryptionKeyProvider !== 'function') {
      throw new PhiConfigurationError(`${KEK_MODULE_VARIABLE}=${modulePath} exports no createKeyEncryptionKeyProvider(env) function`);
    }
    return exported.createKeyEncryptionKeyProvider(env);
  }
  if (env.NODE_ENV === 'production') {
    throw new PhiConfigurationError(
      `PHI encryption needs a key-encryption key provider outside this machine in production: set ${KEK_MODULE_VARIABLE} ` +
        'to a module exporting createKeyEncryptionKeyProvider(env) (a KMS adapter, see docs/encryption.md). ' +
        'The local key folder is for development only.',
    );
  }
  return new LocalKeyEncryptionKeyProvider(env[LOCAL_KEK_FOLDER_VARIABLE]?.trim() || defaultLocalKekFolder());
}
