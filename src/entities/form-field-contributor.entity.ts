import { IsIn, IsUUID } from 'class-validator';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { CONTRIBUTOR_ROLES } from './enums';
import type { ContributorRole } from './enums';
import { FormFieldContribution } from './form-field-contribution.entity';
import { Specialist } from './specialist.entity';
import { User } from './user.entity';
import { IsExactlyOneOf, IsUuidOrNull } from './validation/presence-rules';

/** The contributor columns: exactly one is set (chk_form_field_contributors_one_contributor). */
export const CONTRIBUTOR_KINDS = ['userId', 'specialistId'] as const;

/** Mirrors migration CreateFormFieldContributors1754250048000: who contributed to a field, and how. */
@Entity({
  name: 'form_field_contributors',
  comment:
    'Who contributed to a field contribution and how: exactly one of a user or a specialist per row, each through its own tenant-inclusive foreign key.',
})
@Check('chk_form_field_contributors_one_contributor', `num_nonnulls(user_id, specialist_id) = 1`)
@Index('uq_form_field_contributors_user', ['tenantId', 'contributionId', 'userId'], {
  unique: true,
  where: 'user_id IS NOT NULL AND deleted_at IS NULL',
})
@Index('uq_form_field_contributors_specialist', ['tenantId', 'contributionId', 'specialistId'], {
  unique: true,
  where: 'specialist_id IS NOT NULL AND deleted_at IS NULL',
})
@Index('ix_form_field_contributors_tenant_id_contribution_id', ['tenantId', 'contributionId'])
@Index('ix_form_field_contributors_tenant_id_user_id', ['tenantId', 'userId'], { where: 'user_id IS NOT NULL' })
@Index('ix_form_field_contributors_tenant_id_specialist_id', ['tenantId', 'specialistId'], { where: 'specialist_id IS NOT NULL' })
export class FormFieldContributor extends TenantScopedEntity {
  @Column('uuid', { name: 'contribution_id', comment: 'Field contribution of the same tenant.' })
  @IsUUID()
  contributionId: string;

  @ManyToOne(() => FormFieldContribution, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_form_field_contributors_contribution_id' },
    { name: 'contribution_id', referencedColumnName: 'id' },
  ])
  contribution?: FormFieldContribution;

  @Column('uuid', {
    name: 'user_id',
    nullable: true,
    comment: 'Contributor when a user (staff); exactly one of user_id and specialist_id is set.',
  })
  @IsUuidOrNull()
  @IsExactlyOneOf(CONTRIBUTOR_KINDS)
  userId: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_form_field_contributors_user_id' },
    { name: 'user_id', referencedColumnName: 'id' },
  ])
  user?: User | null;

  @Column('uuid', {
    name: 'specialist_id',
    nullable: true,
    comment: 'Contributor when a specialist; exactly one of user_id and specialist_id is set.',
  })
  @IsUuidOrNull()
  @IsExactlyOneOf(CONTRIBUTOR_KINDS)
  specialistId: string | null;

  @ManyToOne(() => Specialist, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_form_field_contributors_specialist_id' },
    { name: 'specialist_id', referencedColumnName: 'id' },
  ])
  specialist?: Specialist | null;

  @Column({
    type: 'enum',
    enum: CONTRIBUTOR_ROLES,
    enumName: 'contributor_role_enum',
    default: 'author',
    comment: 'How they contributed: author, reviewer, informant or verifier.',
  })
  @IsIn(CONTRIBUTOR_ROLES)
  role: ContributorRole;
}
