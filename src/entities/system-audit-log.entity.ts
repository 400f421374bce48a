import { IsIn, IsObject, IsOptional, IsUUID, Length, Matches } from 'class-validator';
import { Check, Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { SYSTEM_AUDIT_STREAMS } from './enums';
import type { SystemAuditStream } from './enums';
import type { JsonObject } from './json';
import { SYSTEM_EVENT_TYPE_PATTERN } from './validation/patterns';

/**
 * Mirrors migration CreateSystemAuditLog1754250060000: platform-level events (migrations,
 * platform operations, login resolutions, keys, break-glass, retention), which belong to no
 * tenant's trail and which no tenant can read.
 *
 * Append-only and hash-chained per stream like the user-action log; rows are written only by
 * the database function `record_system_event` (`recordSystemEvent` in src/audit), never with
 * save(). What TypeORM does not see: the table is partitioned by month on occurred_at, and its
 * triggers fill database_user, chain_sequence, previous_hash and row_hash.
 */
@Entity({
  name: 'system_audit_log',
  comment:
    'Platform-level audit trail (migrations, platform operations, login resolutions, keys, break-glass, retention); append-only, partitioned by month, hash-chained per stream, readable by no tenant.',
})
@Check('chk_system_audit_log_event_type_format', `event_type ~ '^[a-z][a-z0-9_]{0,40}([.][a-z][a-z0-9_]{0,40}){1,3}$'`)
@Check('chk_system_audit_log_actor_length', `char_length(actor) BETWEEN 1 AND 200`)
@Check('chk_system_audit_log_object_name_length', `char_length(object_name) BETWEEN 1 AND 300`)
@Check('chk_system_audit_log_checksum_length', `char_length(checksum) BETWEEN 1 AND 200`)
@Check('chk_system_audit_log_details_object', `jsonb_typeof(details) = 'object'`)
@Index('ix_system_audit_log_chain', ['stream', 'chainSequence'])
@Index('ix_system_audit_log_subject_tenant', ['subjectTenantId', 'occurredAt'])
@Index('ix_system_audit_log_event_type', ['eventType', 'occurredAt'])
export class SystemAuditLog {
  @Column({
    type: 'enum',
    enum: SYSTEM_AUDIT_STREAMS,
    enumName: 'system_audit_stream_enum',
    comment: 'Chain the event belongs to: migrations, platform, login, keys, break_glass, audit.',
  })
  @IsIn(SYSTEM_AUDIT_STREAMS)
  stream: SystemAuditStream;

  @PrimaryGeneratedColumn('uuid', { comment: 'Identifier of the event.' })
  id: string;

  @PrimaryColumn('timestamptz', {
    name: 'occurred_at',
    default: () => 'now()',
    comment: 'When the event was recorded, by the database clock; the partition key.',
  })
  occurredAt: Date;

  @Column('text', {
    name: 'event_type',
    comment: 'What happened, as dotted snake_case words: migration.run, platform.set_tenant_status, login.resolve...',
  })
  @Matches(SYSTEM_EVENT_TYPE_PATTERN, { message: 'eventType must be two to four dotted snake_case words, such as migration.run' })
  eventType: string;

  @Column({
    type: 'text',
    name: 'database_user',
    insert: false,
    update: false,
    comment: 'Database login (session_user) that recorded the event; set by trigger.',
  })
  databaseUser: string;

  @Column('text', {
    nullable: true,
    comment: 'Who acted, as the caller states it (an operator, a deploy job); defaults to the app.actor setting.',
  })
  @IsOptional()
  @Length(1, 200)
  actor: string | null;

  @Column('uuid', {
    name: 'subject_tenant_id',
    nullable: true,
    comment: 'Tenant the event is about, if any; not a tenant key (no tenant can read this table).',
  })
  @IsOptional()
  @IsUUID()
  subjectTenantId: string | null;

  @Column('text', {
    name: 'object_name',
    nullable: true,
    comment: 'What the event is about: a migration name, a key id, a partition...',
  })
  @IsOptional()
  @Length(1, 300)
  objectName: string | null;

  @Column('text', { nullable: true, comment: 'Checksum of the object, for migrations (sha256 of the SQL applied).' })
  @IsOptional()
  @Length(1, 200)
  checksum: string | null;

  @Column('jsonb', { default: {}, comment: 'Further facts as a JSON object.' })
  @IsObject()
  details: JsonObject;

  @Column({
    type: 'bigint',
    name: 'chain_sequence',
    insert: false,
    update: false,
    comment: "Position of the row in its stream's hash chain, from 1; set by trigger.",
  })
  chainSequence: string;

  @Column({
    type: 'bytea',
    name: 'previous_hash',
    insert: false,
    update: false,
    comment: "row_hash of the previous row of the stream's chain (32 zero bytes for the first); set by trigger.",
  })
  previousHash: Buffer;

  @Column({
    type: 'bytea',
    name: 'row_hash',
    insert: false,
    update: false,
    comment: "SHA-256 of previous_hash and the row's canonical contents; set by trigger.",
  })
  rowHash: Buffer;
}
