import { IsIn, IsIP, IsObject, IsOptional, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { AUDIT_ACTIONS } from './enums';
import type { AuditAction } from './enums';
import type { JsonObject } from './json';
import { Tenant } from './tenant.entity';
import { ENTITY_TYPE_PATTERN } from './validation/patterns';

/**
 * Mirrors migrations CreateUserActionAuditLogs1754250025000 and CreateAuditLogChains1754250026000.
 *
 * Append-only: the database rejects every UPDATE, DELETE and TRUNCATE, so this entity has no
 * updated_at or deleted_at, and rows are written through `recordAuditEvent` (src/audit), never
 * with save(). What TypeORM does not see: the table is partitioned by month on occurred_at,
 * and its triggers (append-only, hash chain) fill chain_sequence, previous_hash and row_hash.
 */
@Entity({
  name: 'user_action_audit_logs',
  comment: 'HIPAA audit trail: who did what to which record; append-only, partitioned by month, hash-chained per tenant, kept six years.',
})
@Check('chk_user_action_audit_logs_entity_type_format', `entity_type ~ '^[a-z][a-z0-9_]{0,62}$'`)
@Check('chk_user_action_audit_logs_details_object', `jsonb_typeof(details) = 'object'`)
@Check('chk_user_action_audit_logs_request_id_length', `char_length(request_id) BETWEEN 1 AND 200`)
@Check('chk_user_action_audit_logs_user_agent_length', `char_length(user_agent) <= 1000`)
@Index('ix_user_action_audit_logs_entity', ['tenantId', 'entityType', 'entityId', 'occurredAt'])
@Index('ix_user_action_audit_logs_actor', ['tenantId', 'actorUserId', 'occurredAt'])
@Index('ix_user_action_audit_logs_chain', ['tenantId', 'chainSequence'])
@Index('ix_user_action_audit_logs_details', ['details'], { type: 'gin' })
export class UserActionAuditLog {
  @PrimaryColumn('uuid', { name: 'tenant_id', comment: 'Tenant the event belongs to.' })
  @IsUUID()
  tenantId: string;

  @PrimaryGeneratedColumn('uuid', { comment: 'Identifier of the event.' })
  id: string;

  @PrimaryColumn('timestamptz', {
    name: 'occurred_at',
    default: () => 'now()',
    comment: 'When the event happened; the partition key.',
  })
  occurredAt: Date;

  @ManyToOne(() => Tenant, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  @Column('uuid', {
    name: 'actor_user_id',
    nullable: true,
    comment: 'User who acted, as recorded; no foreign key, so it survives the user; NULL for the system.',
  })
  @IsOptional()
  @IsUUID()
  actorUserId: string | null;

  @Column({
    type: 'enum',
    enum: AUDIT_ACTIONS,
    enumName: 'audit_action_enum',
    comment: 'What was done: create, read, update, delete, login, export, permission_change...',
  })
  @IsIn(AUDIT_ACTIONS)
  action: AuditAction;

  @Column('text', {
    name: 'entity_type',
    comment: 'Kind of record acted on, as a snake_case name such as client or facility.',
  })
  @Matches(ENTITY_TYPE_PATTERN, { message: 'entityType must be a snake_case name such as client, at most 63 characters' })
  entityType: string;

  @Column('uuid', {
    name: 'entity_id',
    nullable: true,
    comment: 'Id of the record acted on; NULL for events about no single record (login).',
  })
  @IsOptional()
  @IsUUID()
  entityId: string | null;

  @Column('jsonb', {
    default: {},
    comment: 'Further facts about the event as a JSON object (changed fields, export format...).',
  })
  @IsObject()
  details: JsonObject;

  @Column('text', {
    name: 'request_id',
    nullable: true,
    comment: 'Id of the request that caused the event, to correlate with application logs.',
  })
  @IsOptional()
  @Length(1, 200)
  requestId: string | null;

  @Column('inet', { name: 'ip_address', nullable: true, comment: 'Client IP address of the request.' })
  @IsOptional()
  @IsIP()
  ipAddress: string | null;

  @Column('text', { name: 'user_agent', nullable: true, comment: 'User-Agent of the request, at most 1000 characters.' })
  @IsOptional()
  @MaxLength(1000)
  userAgent: string | null;

  @Column({
    type: 'bigint',
    name: 'chain_sequence',
    insert: false,
    update: false,
    comment: "Position of the row in its tenant's hash chain, from 1; set by trigger.",
  })
  chainSequence: string;

  @Column({
    type: 'bytea',
    name: 'previous_hash',
    insert: false,
    update: false,
    comment: "row_hash of the previous row of the tenant's chain (32 zero bytes for the first); set by trigger.",
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
