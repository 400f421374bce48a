import { IsIn, IsUUID } from 'class-validator';
import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { PLACEMENT_SPECIALIST_ROLES } from './enums';
import type { PlacementSpecialistRole } from './enums';
import { PlacementRecord } from './placement-record.entity';
import { Specialist } from './specialist.entity';

/** Mirrors migration CreatePlacementRecordSpecialists1754250044000: specialists involved in a placement. */
@Entity({
  name: 'placement_record_specialists',
  comment: 'Specialists involved in a placement record, and their role; unlinking is a soft delete.',
})
@Index('uq_placement_record_specialists_link', ['tenantId', 'placementRecordId', 'specialistId'], {
  unique: true,
  where: 'deleted_at IS NULL',
})
@Index('ix_placement_record_specialists_tenant_id_placement_record_id', ['tenantId', 'placementRecordId'])
@Index('ix_placement_record_specialists_tenant_id_specialist_id', ['tenantId', 'specialistId'])
export class PlacementRecordSpecialist extends TenantScopedEntity {
  @Column('uuid', { name: 'placement_record_id', comment: 'Placement record of the same tenant.' })
  @IsUUID()
  placementRecordId: string;

  @ManyToOne(() => PlacementRecord, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_placement_record_specialists_placement_record_id',
    },
    { name: 'placement_record_id', referencedColumnName: 'id' },
  ])
  placementRecord?: PlacementRecord;

  @Column('uuid', {
    name: 'specialist_id',
    comment: 'Specialist of the same tenant; linked to a record at most once among live rows.',
  })
  @IsUUID()
  specialistId: string;

  @ManyToOne(() => Specialist, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_placement_record_specialists_specialist_id' },
    { name: 'specialist_id', referencedColumnName: 'id' },
  ])
  specialist?: Specialist;

  @Column({
    type: 'enum',
    enum: PLACEMENT_SPECIALIST_ROLES,
    enumName: 'placement_specialist_role_enum',
    default: 'consulting',
    comment: 'Part the specialist plays: primary_care, consulting, referring, therapy or other.',
  })
  @IsIn(PLACEMENT_SPECIALIST_ROLES)
  role: PlacementSpecialistRole;
}
