import type { AuditAction } from '../entities/enums';
import type { JsonObject } from '../entities/json';

/**
 * One thing that happened, as the application describes it. The database fills in the rest:
 * id, occurred_at (the transaction's now()), and the hash-chain columns.
 */
export interface AuditEvent {
  tenantId: string;
  /** The acting user; omit or null for the system itself (jobs, migrations). */
  actorUserId?: string | null;
  action: AuditAction;
  /** Kind of record acted on, snake_case: `client`, `facility`, `session`, `report`... */
  entityType: string;
  /** The record acted on; omit for events about no single record (a login, a search). */
  entityId?: string | null;
  /** Further facts as a JSON object: changed field names, export format... Keep PHI out of it. */
  details?: JsonObject;
  requestId?: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
}

/** What the database assigned to a recorded event. */
export interface RecordedAuditEvent {
  id: string;
  occurredAt: Date;
  /** Position in the tenant's chain, from 1 (a bigint, hence a string). */
  chainSequence: string;
}

/** An event the rules reject before it reaches the database, with every reason. */
export class InvalidAuditEventError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid audit event: ${problems.join('; ')}`);
    this.name = 'InvalidAuditEventError';
  }
}
