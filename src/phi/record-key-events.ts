import { DataSource } from 'typeorm';
import { recordKeyEvent, systemAuditLogAvailable } from '../audit/system-events';
import type { KeyEvent as SystemKeyEvent } from '../audit/system-events';
import { KeyEvent, KeyEventSink } from './key-events';

/**
 * What the system audit log records of the key life cycle: rotations (started, resumed,
 * completed) and crypto-shredding, each about one tenant. A data key created on first use is
 * routine (the application does it, as the application role) and stays out of it.
 */
export function systemKeyEventOf(event: KeyEvent): SystemKeyEvent | null {
  switch (event.kind) {
    case 'rotation_started':
    case 'rotation_resumed':
      return {
        action: 'rotate',
        keyId: `phi-data-key:${event.tenantId}:v${event.toVersion}`,
        subjectTenantId: event.tenantId,
        details: { phase: event.kind === 'rotation_started' ? 'started' : 'resumed', fromVersions: event.fromVersions, toVersion: event.toVersion },
      };
    case 'rotation_completed':
      return {
        action: 'rotate',
        keyId: `phi-data-key:${event.tenantId}:v${event.toVersion}`,
        subjectTenantId: event.tenantId,
        details: { phase: 'completed', toVersion: event.toVersion, retiredVersions: event.retiredVersions, reencryptedValues: event.reencryptedValues },
      };
    case 'tenant_shredded':
      return {
        action: 'shred',
        keyId: event.kekId ?? `phi-kek:${event.tenantId}`,
        subjectTenantId: event.tenantId,
        details: { destroyedVersions: event.destroyedVersions },
      };
    default:
      return null;
  }
}

/**
 * A key-event sink that records rotations and shredding in the system audit log, each in a
 * transaction of its own (a rotation's batches commit one by one, and shredding has happened in
 * the key provider whatever the database does next). Runs as the key commands do, as the
 * tables' owner, which may call record_system_event. On a database without the system audit
 * log yet (migrations before CreateSystemAuditLog1754250060000) it records nothing.
 */
export function recordKeyEventsIn(dataSource: DataSource, actor?: string): KeyEventSink {
  return async (event) => {
    const systemEvent = systemKeyEventOf(event);
    if (!systemEvent) return;
    await dataSource.transaction(async (manager) => {
      if (await systemAuditLogAvailable(manager)) await recordKeyEvent(manager, { ...systemEvent, actor: actor ?? null });
    });
  };
}
