import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Mirrors migration CreateTenantContextKeys1754250080000: the keys tenant proofs and contexts are
 * signed with. Not for application code: the application role has no privilege on the table, and
 * keys are installed, listed and retired through the key functions (`npm run tenant-context`).
 * The pads are never selected by default.
 */
@Entity({
  name: 'tenant_context_keys',
  comment: 'Keys that sign tenant proofs and contexts (HMAC-SHA256 pads); readable by foundation_tenant_context and the owner only, never by the application.',
})
@Check('chk_tenant_context_keys_key_id_format', `key_id ~ '^[A-Za-z0-9_-]{1,40}$'`)
@Check('chk_tenant_context_keys_pad_length', `octet_length(inner_pad) = 64 AND octet_length(outer_pad) = 64`)
export class TenantContextKey {
  @PrimaryColumn('text', { name: 'key_id', comment: 'Key id that proofs name; 1 to 40 letters, digits, - or _.' })
  keyId: string;

  @Column('bytea', { name: 'inner_pad', select: false, comment: 'The secret, zero-padded to 64 bytes, XOR 0x36.' })
  innerPad: Buffer;

  @Column('bytea', { name: 'outer_pad', select: false, comment: 'The secret, zero-padded to 64 bytes, XOR 0x5c.' })
  outerPad: Buffer;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()', comment: 'When the key was installed.' })
  createdAt: Date;
}
