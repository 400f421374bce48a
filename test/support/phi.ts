import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyEvent } from '../../src/phi/key-events';
import { LocalKeyEncryptionKeyProvider } from '../../src/phi/kek/local-provider';
import { PhiKeyring } from '../../src/phi/keyring';

export interface KeyFolder {
  /** The folder, for FOUNDATION_PHI_KEY_DIR of commands the test starts. */
  readonly path: string;
  /** A keyring on this folder; its events are collected in `events`. */
  keyring(): PhiKeyring;
  readonly events: KeyEvent[];
}

/**
 * A key-encryption key folder of the calling test file's own, removed after its tests: for
 * files that destroy keys (shredding) or look at the key files.
 */
export function useKeyFolder(): KeyFolder {
  let folder: string | undefined;
  const events: KeyEvent[] = [];
  beforeAll(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'foundation-phi-test-keys-'));
  });
  afterAll(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
  });
  const get = () => {
    if (!folder) throw new Error('The key folder exists only inside tests (after beforeAll)');
    return folder;
  };
  return {
    get path() {
      return get();
    },
    keyring: () => new PhiKeyring({ kek: new LocalKeyEncryptionKeyProvider(get()), onKeyEvent: (event) => void events.push(event) }),
    events,
  };
}
