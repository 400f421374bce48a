import { validate } from 'class-validator';
import { EntityManager } from 'typeorm';
import { SystemAuditLog } from '../entities/system-audit-log.entity';
import type { SystemAuditStream } from '../entities/enums';
import type { JsonObject } from '../entities/json';
import { InvalidAuditEventError } from './audit-event';

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

export interface RecordedSystemEvent {
  id: string;
  occurredAt: Date;
  chainSequence: string;
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

const RECORD_FUNCTION = 'record_system_event(text, text, text, uuid, text, text, jsonb)';

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
  const [recorded]: { id: string; occurred_at: Date; chain_sequence: string }[] = await manager.query(
    `SELECT id, occurred_at, chain_sequence FROM record_system_event($1, $2, $3, $4, $5, $6, $7)`,
    [row.stream, row.eventType, row.actor, row.subjectTenantId, row.objectName, row.checksum, JSON.stringify(row.details)],
  );
  if (!recorded) throw new Error('record_system_event returned no row');
  return { id: recorded.id, occurredAt: recorded.occurred_at, chainSequence: String(recorded.chain_sequence) };
}

/** Whether the database has the system audit log yet (migrations before CreateSystemAuditLog run without it). */
export async function systemAuditLogAvailable(manager: EntityManager): Promise<boolean> {
  const [row] = await manager.query(`SELECT to_regprocedure($1) IS NOT NULL AS available`, [RECORD_FUNCTION]);
  return Boolean(row?.available);
}

export interface MigrationEvent {
  action: 'run' | 'revert' | 'repair' | 'failed';
  /** The migration's name (`CreateTenants1754250020000`). */
  name: string;
  /** sha256 of its SQL, as schema_migrations records it. */
  checksum?: string | null;
  actor?: string | null;
  details?: JsonObject;
}

/**
 * For the migration runner (src/database/migration-safety): records a run, revert, repair or
 * failure of one migration on the `migrations` stream, in the transaction given; returns null,
 * recording nothing, while the database does not have the system audit log yet (the migrations
 * before it, and CreateSystemAuditLog's own run are recorded from the first one after).
 */
export async function recordMigrationEvent(manager: EntityManager, event: MigrationEvent): Promise<RecordedSystemEvent | null> {
  if (!(await systemAuditLogAvailable(manager))) return null;
  return recordSystemEvent(manager, {
    stream: 'migrations',
    eventType: `migration.${event.action}`,
    actor: event.actor ?? null,
    objectName: event.name,
    checksum: event.checksum ?? null,
    details: event.details ?? {},
  });
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
