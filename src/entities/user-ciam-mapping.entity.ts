import { IsDate, IsOptional, IsUUID, Length } from 'class-validator';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { CiamSystem } from './ciam-system.entity';
import { User } from './user.entity';
import { IsNotBeforeDate } from './validation/time-rules';

/** Mirrors migration CreateUserCiamMappings1754250028000. */
@Entity({
  name: 'user_ciam_mappings',
  comment: 'Links between users and subjects at identity providers; unlinked mappings are kept as history.',
})
@Check('chk_user_ciam_mappings_external_subject_length', `char_length(external_subject) BETWEEN 1 AND 255`)
@Check('chk_user_ciam_mappings_unlinked_after_linked', `unlinked_at IS NULL OR unlinked_at >= linked_at`)
@Index('uq_user_ciam_mappings_current_per_user', ['tenantId', 'userId'], {
  unique: true,
  where: 'unlinked_at IS NULL AND deleted_at IS NULL',
})
@Index('uq_user_ciam_mappings_current_subject', ['tenantId', 'ciamSystemId', 'externalSubject'], {
  unique: true,
  where: 'unlinked_at IS NULL AND deleted_at IS NULL',
})
@Index('ix_user_ciam_mappings_tenant_id_user_id', ['tenantId', 'userId'])
@Index('ix_user_ciam_mappings_tenant_id_ciam_system_id_external_subject', ['tenantId', 'ciamSystemId', 'externalSubject'])
export class UserCiamMapping extends TenantScopedEntity {
  @Column('uuid', {
    name: 'user_id',
    comment: 'User who signs in through the provider; at most one current mapping per user.',
  })
  @IsUUID()
  userId: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_user_ciam_mappings_user_id' },
    { name: 'user_id', referencedColumnName: 'id' },
  ])
  user?: User;

  @Column('uuid', { name: 'ciam_system_id', comment: 'Identity provider of the same tenant.' })
  @IsUUID()
  ciamSystemId: string;

  @ManyToOne(() => CiamSystem, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_user_ciam_mappings_ciam_system_id',
    },
    { name: 'ciam_system_id', referencedColumnName: 'id' },
  ])
  ciamSystem?: CiamSystem;

  /** Length in characters (code points), as PostgreSQL's char_length counts. */
  @Column('text', {
    name: 'external_subject',
    comment: 'Subject (sub claim or SAML NameID) at the provider; maps to at most one current user per provider.',
  })
  @Length(1, 255)
  externalSubject: string;

  @Column('timestamptz', { name: 'linked_at', default: () => 'now()', comment: 'When the link was made.' })
  @IsOptional()
  @IsDate()
  linkedAt: Date;

  @Column('timestamptz', {
    name: 'last_authenticated_at',
    nullable: true,
    comment: 'When the user last signed in through this link; NULL if never.',
  })
  @IsOptional()
  @IsDate()
  lastAuthenticatedAt: Date | null;

  @Column('timestamptz', {
    name: 'unlinked_at',
    nullable: true,
    comment: 'When the link was ended; NULL while current; not before linked_at.',
  })
  @IsOptional()
  @IsDate()
  @IsNotBeforeDate('linkedAt')
  unlinkedAt: Date | null;
}
