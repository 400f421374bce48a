import { IsIn, IsUUID } from 'class-validator';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { CiamSystem } from './ciam-system.entity';
import { CIAM_GRANTABLE_ROLES, USER_ROLES } from './enums';
import type { UserRole } from './enums';
import { HasTrimmedLength } from './validation/text-rules';

/** Mirrors migration CreateCiamGroupRoleMappings1754250029000. */
@Entity({
  name: 'ciam_group_role_mappings',
  comment: "Roles granted in the tenant for a value of an identity provider's group or role claim.",
})
@Check('chk_ciam_group_role_mappings_claim_name_length', `char_length(btrim(claim_name)) BETWEEN 1 AND 100`)
@Check('chk_ciam_group_role_mappings_claim_value_length', `char_length(btrim(claim_value)) BETWEEN 1 AND 255`)
@Check('chk_ciam_group_role_mappings_role_not_platform_admin', `role <> 'platform_admin'`)
@Index('uq_ciam_group_role_mappings_claim', ['tenantId', 'ciamSystemId', 'claimName', 'claimValue'], {
  unique: true,
  where: 'deleted_at IS NULL',
})
@Index('ix_ciam_group_role_mappings_tenant_id_ciam_system_id', ['tenantId', 'ciamSystemId'])
export class CiamGroupRoleMapping extends TenantScopedEntity {
  @Column('uuid', { name: 'ciam_system_id', comment: 'Identity provider of the same tenant that issues the claim.' })
  @IsUUID()
  ciamSystemId: string;

  @ManyToOne(() => CiamSystem, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_ciam_group_role_mappings_ciam_system_id',
    },
    { name: 'ciam_system_id', referencedColumnName: 'id' },
  ])
  ciamSystem?: CiamSystem;

  @Column('text', { name: 'claim_name', comment: 'Name of the claim or attribute, such as groups, roles or cognito:groups.' })
  @HasTrimmedLength(1, 100)
  claimName: string;

  @Column('text', {
    name: 'claim_value',
    comment: 'Value of the claim that grants the role; one mapping per provider, claim and value among live rows.',
  })
  @HasTrimmedLength(1, 255)
  claimValue: string;

  /** The column's type is user_role_enum; platform_admin is excluded by a CHECK. */
  @Column({ type: 'enum', enum: USER_ROLES, enumName: 'user_role_enum', comment: 'Role granted in the tenant; never platform_admin.' })
  @IsIn(CIAM_GRANTABLE_ROLES)
  role: UserRole;
}
