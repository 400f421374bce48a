import { IsDate, IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { CONTRIBUTION_SOURCES } from './enums';
import type { ContributionSource } from './enums';
import { FormMetadata } from './form-metadata.entity';
import { PlacementRecord } from './placement-record.entity';
import { SNAKE_CASE_KEY_PATTERN } from './validation/patterns';
import { IsNotBeforeDate } from './validation/time-rules';

/** Mirrors migration CreateFormFieldContributions1754250047000: provenance of a record's fields (no values). */
@Entity({
  name: 'form_field_contributions',
  comment:
    'Provenance of each field of a placement record: which field, on which form version, from which source, when; superseded contributions stay as history. No field values.',
})
@Check('chk_form_field_contributions_field_key_format', `field_key ~ '^[a-z][a-z0-9_]{0,62}$'`)
@Check('chk_form_field_contributions_superseded_after_contributed', `superseded_at IS NULL OR superseded_at >= contributed_at`)
@Index('uq_form_field_contributions_current_per_field', ['tenantId', 'placementRecordId', 'fieldKey'], {
  unique: true,
  where: 'superseded_at IS NULL AND deleted_at IS NULL',
})
@Index('ix_form_field_contributions_tenant_id_placement_record_id', ['tenantId', 'placementRecordId'])
@Index('ix_form_field_contributions_tenant_id_form_metadata_id', ['tenantId', 'formMetadataId'])
export class FormFieldContribution extends TenantScopedEntity {
  @Column('uuid', { name: 'placement_record_id', comment: 'Placement record whose field was contributed.' })
  @IsUUID()
  placementRecordId: string;

  @ManyToOne(() => PlacementRecord, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_form_field_contributions_placement_record_id',
    },
    { name: 'placement_record_id', referencedColumnName: 'id' },
  ])
  placementRecord?: PlacementRecord;

  @Column('uuid', { name: 'form_metadata_id', nullable: true, comment: 'Form version the field was captured on.' })
  @IsOptional()
  @IsUUID()
  formMetadataId: string | null;

  @ManyToOne(() => FormMetadata, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_form_field_contributions_form_metadata_id' },
    { name: 'form_metadata_id', referencedColumnName: 'id' },
  ])
  formMetadata?: FormMetadata | null;

  @Column('text', {
    name: 'field_key',
    comment: 'Which field, such as diagnoses: lower-case letters, digits and underscores; one current contribution per record and field.',
  })
  @Matches(SNAKE_CASE_KEY_PATTERN, { message: 'fieldKey must be 1 to 63 lower-case letters, digits or underscores, starting with a letter' })
  fieldKey: string;

  @Column({
    type: 'enum',
    enum: CONTRIBUTION_SOURCES,
    enumName: 'contribution_source_enum',
    comment:
      'Where the value came from: staff_entry, client_interview, family_member, referral_document, specialist_report, import or other.',
  })
  @IsIn(CONTRIBUTION_SOURCES)
  source: ContributionSource;

  @Column('timestamptz', { name: 'contributed_at', default: () => 'now()', comment: 'When the value was contributed.' })
  @IsOptional()
  @IsDate()
  contributedAt: Date;

  @Column('timestamptz', {
    name: 'superseded_at',
    nullable: true,
    comment: 'When a newer contribution replaced this one; NULL while current.',
  })
  @IsOptional()
  @IsNotBeforeDate('contributedAt')
  supersededAt: Date | null;
}
