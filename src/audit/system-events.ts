import { validate } from 'class-validator';
import { EntityManager } from 'typeorm';
import { SystemAuditLog } from '../entities/system-audit-log.entity';
import type { SystemAuditStream } from '../entities/enums';
import type { JsonObject } from '../entities/json';
import { InvalidAuditEventError } from './audit-event';
import { callRecordSystemEvent, RecordedSystemEvent } from './migration-events';

// The migration runner's events live in migration-events.ts (no entities, no class-validator).
export { recordMigrationEvent, systemAuditLogAvailable } from './migration-events';
export type { MigrationEvent, RecordedSystemEvent } from './migration-events';

/** A platform-level event, as the caller describes it. The database adds id, time, database_user and the chain. */
export interface SystemEvent {
  stream: SystemAuditStream;
  /** Dotted snake_case words: `migration.run`, `key.rotate`... (SYSTEM_EVENT_TYPES). */
  eventType: string;
  /** Who acted, as the caller knows it (an operator's e-mail, a deploy job); defaults to the transaction's app.actor. */
  actor?: string | null;
  /** The tenant the event is about, if any. */
  subjectTenantId?: string | null;
  /** What it is about: a migration name, a key id, a partition. */
  objectName?: string | null;
  /** A checksum of the object (a migration's sha256). */
  checksum?: string | null;
  details?: JsonObject;
}

/** The event types this project records; others may be added (two to four dotted snake_case words). */
export const SYSTEM_EVENT_TYPES = {
  migrationRun: 'migration.run',
  migrationRevert: 'migration.revert',
  migrationRepair: 'migration.repair',
  migrationFailed: 'migration.failed',
  registerTenant: 'platform.register_tenant',
  listTenants: 'platform.list_tenants',
  setTenantStatus: 'platform.set_tenant_status',
  loginResolve: 'login.resolve',
  keyRotate: 'key.rotate',
  keyShred: 'key.shred',
  breakGlass: 'break_glass.audit_ddl_guard',
  retentionDrop: 'audit.retention_drop',
} as const;

/**
 * Records one event in the system audit log through `record_system_event` (the only way in:
 * the table is under forced row-level security with no policy for anyone else). Use the
 * transaction's manager, so the event commits or rolls back with what it describes. The caller
 * must be the audit tables' owner (migrations, upkeep, key management) or a role granted EXECUTE
 * on the function. The event is checked with the entity's rules first.
 */
export async function recordSystemEvent(manager: EntityManager, event: SystemEvent): Promise<RecordedSystemEvent> {
  const row = Object.assign(new SystemAuditLog(), {
    stream: event.stream,
    eventType: event.eventType,
    actor: event.actor ?? null,
    subjectTenantId: event.subjectTenantId ?? null,
    objectName: event.objectName ?? null,
    checksum: event.checksum ?? null,
    details: event.details ?? {},
  });
  const errors = await validate(row, { skipMissingProperties: false });
  const problems = errors
    .filter((error) => !['id', 'occurredAt', 'databaseUser', 'chainSequence', 'previousHash', 'rowHash'].includes(error.property))
    .flatMap((error) => Object.values(error.constraints ?? {}));
  if (problems.length > 0) throw new InvalidAuditEventError(problems);
  return callRecordSystemEvent(manager, row);
}

export interface KeyEvent {
  action: 'rotate' | 'shred';
  /** The key's id (never the key). */
  keyId: string;
  /** The tenant whose key it is, when it is one tenant's. */
  subjectTenantId?: string | null;
  actor?: string | null;
  details?: JsonObject;
}

/** For key management (field-level encryption): a key rotation, or crypto-shredding, on the `keys` stream. */
export function recordKeyEvent(manager: EntityManager, event: KeyEvent): Promise<RecordedSystemEvent> {
  return recordSystemEvent(manager, {
    stream: 'keys',
    eventType: `key.${event.action}`,
    actor: event.actor ?? null,
    subjectTenantId: event.subjectTenantId ?? null,
    objectName: event.keyId,
    details: event.details ?? {},
  });
}
