import { KeyEventSink } from './key-events';
import { keyEncryptionKeyProviderFromEnvironment } from './kek/configure';
import { PhiKeyring } from './keyring';

/**
 * The process's keyring from the environment (see kek/configure.ts): a KMS adapter named by
 * FOUNDATION_PHI_KEK_MODULE, or the local development key folder. `onKeyEvent` is where key
 * events go (the system audit log, once it exists).
 */
export function phiKeyringFromEnvironment(env: NodeJS.ProcessEnv = process.env, options: { onKeyEvent?: KeyEventSink } = {}): PhiKeyring {
  return new PhiKeyring({ kek: keyEncryptionKeyProviderFromEnvironment(env), onKeyEvent: options.onKeyEvent });
}
