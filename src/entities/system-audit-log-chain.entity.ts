import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { SYSTEM_AUDIT_STREAMS } from './enums';
import type { SystemAuditStream } from './enums';

/**
 * Mirrors migration CreateSystemAuditLog1754250060000: each stream's system audit chain head and
 * retention anchor. Written only by the chain trigger and the retention function.
 */
@Entity({
  name: 'system_audit_log_chains',
  comment: "Head and retention anchor of each stream's system audit hash chain; written only by the chain trigger and the retention function.",
})
@Check('chk_system_audit_log_chains_sequences', `anchor_sequence >= 0 AND last_sequence >= anchor_sequence`)
@Check('chk_system_audit_log_chains_hash_length', `octet_length(last_hash) = 32 AND octet_length(anchor_hash) = 32`)
export class SystemAuditLogChain {
  @PrimaryColumn({
    type: 'enum',
    enum: SYSTEM_AUDIT_STREAMS,
    enumName: 'system_audit_stream_enum',
    comment: 'Stream whose chain this is.',
  })
  stream: SystemAuditStream;

  @Column('bigint', { name: 'last_sequence', default: 0, comment: "chain_sequence of the stream's latest row; 0 before the first." })
  lastSequence: string;

  @Column('bytea', { name: 'last_hash', comment: "row_hash of the stream's latest row; 32 zero bytes before the first." })
  lastHash: Buffer;

  @Column('bigint', { name: 'anchor_sequence', default: 0, comment: 'Last chain_sequence removed by retention; verification starts after it.' })
  anchorSequence: string;

  @Column('bytea', {
    name: 'anchor_hash',
    comment: 'row_hash of the last row removed by retention; the first remaining row must link to it.',
  })
  anchorHash: Buffer;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()', comment: 'When the head or anchor last moved.' })
  updatedAt: Date;
}
