/**
 * Events of the key life cycle. This module keeps no log of its own: every key command and the
 * keyring call `onKeyEvent` with one of these, and whoever builds the keyring decides where they
 * go. Events carry ids, versions and counts only, never a key or a value. The key commands
 * (`phi:keys`) send rotations and shredding to the system audit log through
 * `recordKeyEventsIn(dataSource)` (record-key-events.ts).
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
