import { EntityManager } from 'typeorm';
import type { JsonObject } from '../entities/json';

/**
 * The migration runner's events in the system audit log, kept apart from system-events.ts so the
 * deploy path loads neither the entities nor class-validator (about a third of a second of a
 * `migration:run` process): the runner builds every field itself, and the table's own
 * constraints (event type format, lengths, details an object) hold each row to the same rules
 * the entity states, inside the migration's transaction.
 */

/** The function every system event goes through (system-events.ts calls it too). */
export const RECORD_FUNCTION = 'record_system_event(text, text, text, uuid, text, text, jsonb)';

export interface RecordedSystemEvent {
  id: string;
  occurredAt: Date;
  chainSequence: string;
}

/** One row through record_system_event, in the caller's transaction. */
export async function callRecordSystemEvent(
  manager: EntityManager,
  row: { stream: string; eventType: string; actor: string | null; subjectTenantId: string | null; objectName: string | null; checksum: string | null; details: JsonObject },
): Promise<RecordedSystemEvent> {
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
  return insertMigrationEvent(manager, event);
}

/**
 * recordMigrationEvent for a run of many migrations: once the system audit log exists it stays
 * (runs only add), so after the first "yes" the availability query is not asked again; each
 * migration then pays one round trip for its event instead of two. A later migration that
 * removed the function would make the recording fail loudly, never skip silently. Reverts, which
 * can remove the log itself, use recordMigrationEvent.
 */
export function migrationEventRecorder(): (manager: EntityManager, event: MigrationEvent) => Promise<RecordedSystemEvent | null> {
  let available = false;
  return async (manager, event) => {
    if (!available) available = await systemAuditLogAvailable(manager);
    return available ? insertMigrationEvent(manager, event) : null;
  };
}

function insertMigrationEvent(manager: EntityManager, event: MigrationEvent): Promise<RecordedSystemEvent> {
  return callRecordSystemEvent(manager, {
    stream: 'migrations',
    eventType: `migration.${event.action}`,
    actor: event.actor ?? null,
    subjectTenantId: null,
    objectName: event.name,
    checksum: event.checksum ?? null,
    details: event.details ?? {},
  });
}
