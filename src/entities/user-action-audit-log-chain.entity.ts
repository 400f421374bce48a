import { Check, Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from './tenant.entity';

/**
 * Mirrors migration CreateAuditLogChains1754250026000: each tenant's audit chain head and
 * retention anchor. Written only by the chain trigger and the retention function; read by
 * verification. Applications never write it.
 */
@Entity({
  name: 'user_action_audit_log_chains',
  comment: "Head and retention anchor of each tenant's audit hash chain; written only by the chain trigger and the retention function.",
})
@Check('chk_user_action_audit_log_chains_sequences', `anchor_sequence >= 0 AND last_sequence >= anchor_sequence`)
@Check('chk_user_action_audit_log_chains_hash_length', `octet_length(last_hash) = 32 AND octet_length(anchor_hash) = 32`)
export class UserActionAuditLogChain {
  @PrimaryColumn('uuid', { name: 'tenant_id', comment: 'Tenant whose chain this is.' })
  tenantId: string;

  @OneToOne(() => Tenant, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  @Column('bigint', {
    name: 'last_sequence',
    default: 0,
    comment: "chain_sequence of the tenant's latest audit row; 0 before the first.",
  })
  lastSequence: string;

  @Column('bytea', {
    name: 'last_hash',
    comment: "row_hash of the tenant's latest audit row; 32 zero bytes before the first.",
  })
  lastHash: Buffer;

  @Column('bigint', {
    name: 'anchor_sequence',
    default: 0,
    comment: 'Last chain_sequence removed by retention; verification starts after it.',
  })
  anchorSequence: string;

  @Column('bytea', {
    name: 'anchor_hash',
    comment: 'row_hash of the last row removed by retention; the first remaining row must link to it.',
  })
  anchorHash: Buffer;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()', comment: 'When the head or anchor last moved.' })
  updatedAt: Date;
}
