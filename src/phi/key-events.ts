/**
 * Events of the key life cycle, for the system audit log (issue 13 builds it). This module
 * keeps no log of its own: every key command and the keyring call `onKeyEvent` with one of
 * these, and whoever builds the keyring decides where they go. Events carry ids, versions and
 * counts only, never a key or a value.
 *
 * Integration point: pass `onKeyEvent` to `new PhiKeyring({ onKeyEvent })` (and the commands
 * pass theirs through `phiKeyringFromEnvironment`); issue 13's system audit log should record
 * each event there, in a transaction of its own (a rotation's batches commit one by one).
 */
export type KeyEvent =
  | { kind: 'data_key_created'; tenantId: string; keyVersion: number; kekId: string; at: Date }
  | { kind: 'rotation_started'; tenantId: string; fromVersions: number[]; toVersion: number; at: Date }
  | { kind: 'rotation_resumed'; tenantId: string; fromVersions: number[]; toVersion: number; at: Date }
  | { kind: 'rotation_completed'; tenantId: string; toVersion: number; retiredVersions: number[]; reencryptedValues: number; at: Date }
  | { kind: 'tenant_shredded'; tenantId: string; destroyedVersions: number[]; kekId: string | null; at: Date };

export type KeyEventSink = (event: KeyEvent) => void | Promise<void>;

/** The default sink: nothing (the commands print their own summary). */
export const ignoreKeyEvents: KeyEventSink = () => undefined;
