import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { FACILITY_ROLES } from './enums';
import type { FacilityRole } from './enums';
import { Facility } from './facility.entity';
import { User } from './user.entity';
import { IsDateOnly, IsNotBefore } from './validation/date-rules';

/** Mirrors migration CreateFacilityStaff1754250024000. */
@Entity({
  name: 'facility_staff',
  comment: 'Assignments of users to facilities: role and period; ended assignments are kept as history.',
})
@Check('chk_facility_staff_end_after_start', `ended_on IS NULL OR ended_on >= started_on`)
@Index('uq_facility_staff_open_assignment', ['tenantId', 'facilityId', 'userId'], {
  unique: true,
  where: 'ended_on IS NULL AND deleted_at IS NULL',
})
@Index('ix_facility_staff_tenant_id_facility_id', ['tenantId', 'facilityId'])
@Index('ix_facility_staff_tenant_id_user_id', ['tenantId', 'userId'])
export class FacilityStaff extends TenantScopedEntity {
  @Column('uuid', { name: 'facility_id', comment: 'Facility the user works at.' })
  @IsUUID()
  facilityId: string;

  @ManyToOne(() => Facility, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_facility_staff_facility_id' },
    { name: 'facility_id', referencedColumnName: 'id' },
  ])
  facility?: Facility;

  @Column('uuid', { name: 'user_id', comment: 'User assigned to the facility.' })
  @IsUUID()
  userId: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_facility_staff_user_id' },
    { name: 'user_id', referencedColumnName: 'id' },
  ])
  user?: User;

  @Column({
    type: 'enum',
    enum: FACILITY_ROLES,
    enumName: 'facility_role_enum',
    comment: 'Role of the user at this facility.',
  })
  @IsIn(FACILITY_ROLES)
  role: FacilityRole;

  @Column('date', { name: 'started_on', comment: 'First day of the assignment.' })
  @IsDateOnly()
  startedOn: string;

  @Column('date', {
    name: 'ended_on',
    nullable: true,
    comment: 'Last day of the assignment; NULL while open; not before the start.',
  })
  @IsOptional()
  @IsDateOnly()
  @IsNotBefore('startedOn')
  endedOn: string | null;
}
