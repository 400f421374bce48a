import { IsIn, IsInt, IsUUID, Min } from 'class-validator';
import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { PHI_KEY_STATES } from './enums';
import type { PhiKeyState } from './enums';
import { Tenant } from './tenant.entity';
import { HasByteLengthBetween } from './validation/ciphertext-rules';
import { IsNullExactlyWhen } from './validation/presence-rules';
import { HasTrimmedLength } from './validation/text-rules';

/**
 * Mirrors migration CreatePhiKeyStore1754250040000: the platform's store of each tenant's
 * wrapped data keys (src/phi, docs/encryption.md). Not a tenant table (`subject_tenant_id`, not
 * `tenant_id`): the application role has no privilege on it and reaches its own tenant's keys
 * only through `phi_tenant_data_keys()`; the owner-run key commands manage it.
 */
@Entity({
  name: 'phi_data_keys',
  comment:
    "Platform key store for field-level encryption: each tenant's data key versions, wrapped by the tenant's key-encryption key held outside the database. Readable by no tenant.",
})
@Check('chk_phi_data_keys_key_version_positive', `key_version >= 1`)
@Check('chk_phi_data_keys_kek_id_length', `char_length(kek_id) BETWEEN 1 AND 2048`)
@Check('chk_phi_data_keys_destroyed_without_key', `(state = 'destroyed') = (wrapped_key IS NULL)`)
@Check('chk_phi_data_keys_wrapped_key_length', `octet_length(wrapped_key) BETWEEN 16 AND 8192`)
@Index('uq_phi_data_keys_one_active_per_tenant', ['subjectTenantId'], { unique: true, where: `state = 'active'` })
export class PhiDataKey {
  @PrimaryColumn('uuid', {
    name: 'subject_tenant_id',
    comment: 'Tenant whose PHI this key encrypts (not a tenant_id: no tenant may read this table).',
  })
  @IsUUID()
  subjectTenantId: string;

  @ManyToOne(() => Tenant, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'subject_tenant_id' })
  tenant?: Tenant;

  @PrimaryColumn('integer', {
    name: 'key_version',
    comment: "Version of the tenant's data key, from 1; written into every ciphertext it produced.",
  })
  @IsInt()
  @Min(1)
  keyVersion: number;

  @Column({
    type: 'enum',
    enum: PHI_KEY_STATES,
    enumName: 'phi_key_state_enum',
    default: 'active',
    comment: 'active (encrypts new values), retiring (being rotated away from), retired (no ciphertext uses it) or destroyed (crypto-shredded).',
  })
  @IsIn(PHI_KEY_STATES)
  state: PhiKeyState;

  @Column('text', {
    name: 'kek_id',
    comment:
      'Id of the key-encryption key that wrapped this key, in the key-encryption key provider (a KMS key id, or local:<tenant> in development).',
  })
  @HasTrimmedLength(1, 2048)
  kekId: string;

  @Column('bytea', { name: 'wrapped_key', nullable: true, comment: 'The data key encrypted by the key-encryption key; NULL once destroyed.' })
  @IsNullExactlyWhen('state', 'destroyed')
  @HasByteLengthBetween(16, 8192)
  wrappedKey: Buffer | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', comment: 'When the row was created.' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', comment: 'When the row was last updated; kept by trigger.' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'retired_at', nullable: true, comment: 'When a rotation finished moving every value off this key.' })
  retiredAt: Date | null;

  @Column('timestamptz', { name: 'destroyed_at', nullable: true, comment: 'When the key was destroyed by crypto-shredding.' })
  destroyedAt: Date | null;
}
