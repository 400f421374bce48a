import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { Client } from './client.entity';
import { CARE_LEVELS, FUNDING_SOURCES, PLACEMENT_STATUSES } from './enums';
import type { CareLevel, FundingSource, PlacementStatus } from './enums';
import { Facility } from './facility.entity';
import { FormMetadata } from './form-metadata.entity';
import { IsPhiCiphertext } from './validation/ciphertext-rules';
import { IsDateOnly, IsDateOnlyOrNull, IsNotBefore } from './validation/date-rules';
import { IsRequiredWhen, IsUuidOrNull } from './validation/presence-rules';

const envelope = (column: string) =>
  `substring(${column} FROM 1 FOR 1) = '\\x01'::bytea AND octet_length(${column}) BETWEEN 6 AND 65536`;

/**
 * Mirrors migration CreatePlacementRecords1754250043000: the placement of one client. The
 * clinical fields are PHI and held only as field ciphertexts (`*Encrypted`): encrypt and
 * decrypt them with src/phi (`sealFields` / `openFields`, table `placement_records`), which
 * bind each to this row's tenant, table, column and id.
 */
@Entity({
  name: 'placement_records',
  comment: 'The placement of a client in care, from referral to the end of the stay; clinical fields (PHI) only as field ciphertexts.',
})
@Check(
  'chk_placement_records_placed_has_facility',
  `status NOT IN ('placed', 'ended') OR (facility_id IS NOT NULL AND placed_on IS NOT NULL)`,
)
@Check('chk_placement_records_ended_has_end', `status <> 'ended' OR ended_on IS NOT NULL`)
@Check('chk_placement_records_end_after_start', `ended_on IS NULL OR (placed_on IS NOT NULL AND ended_on >= placed_on)`)
@Check('chk_placement_records_diagnoses_encrypted_envelope', envelope('diagnoses_encrypted'))
@Check('chk_placement_records_care_needs_encrypted_envelope', envelope('care_needs_encrypted'))
@Check('chk_placement_records_preferences_encrypted_envelope', envelope('preferences_encrypted'))
@Check('chk_placement_records_funding_details_encrypted_envelope', envelope('funding_details_encrypted'))
@Index('uq_placement_records_open_per_client', ['tenantId', 'clientId'], {
  unique: true,
  where: `status IN ('draft', 'referred', 'placed') AND deleted_at IS NULL`,
})
@Index('ix_placement_records_tenant_id_client_id', ['tenantId', 'clientId'])
@Index('ix_placement_records_tenant_id_facility_id', ['tenantId', 'facilityId'])
@Index('ix_placement_records_tenant_id_form_metadata_id', ['tenantId', 'formMetadataId'])
export class PlacementRecord extends TenantScopedEntity {
  @Column('uuid', {
    name: 'client_id',
    comment: 'Client being placed; at most one open (draft, referred or placed) live record per client.',
  })
  @IsUUID()
  clientId: string;

  @ManyToOne(() => Client, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_placement_records_client_id' },
    { name: 'client_id', referencedColumnName: 'id' },
  ])
  client?: Client;

  @Column('uuid', { name: 'facility_id', nullable: true, comment: 'Facility of the placement; required once placed.' })
  @IsUuidOrNull()
  @IsRequiredWhen('status', ['placed', 'ended'])
  facilityId: string | null;

  @ManyToOne(() => Facility, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_placement_records_facility_id' },
    { name: 'facility_id', referencedColumnName: 'id' },
  ])
  facility?: Facility | null;

  @Column('uuid', { name: 'form_metadata_id', nullable: true, comment: 'Form version that captured the record.' })
  @IsOptional()
  @IsUUID()
  formMetadataId: string | null;

  @ManyToOne(() => FormMetadata, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_placement_records_form_metadata_id' },
    { name: 'form_metadata_id', referencedColumnName: 'id' },
  ])
  formMetadata?: FormMetadata | null;

  @Column({
    type: 'enum',
    enum: PLACEMENT_STATUSES,
    enumName: 'placement_status_enum',
    default: 'draft',
    comment: 'draft, referred, placed, ended or cancelled.',
  })
  @IsIn(PLACEMENT_STATUSES)
  status: PlacementStatus;

  @Column({
    type: 'enum',
    name: 'care_level',
    enum: CARE_LEVELS,
    enumName: 'care_level_enum',
    nullable: true,
    comment: 'Level of care assessed: independent, assisted, memory_care, skilled_nursing or hospice.',
  })
  @IsOptional()
  @IsIn(CARE_LEVELS)
  careLevel: CareLevel | null;

  @Column({
    type: 'enum',
    name: 'funding_source',
    enum: FUNDING_SOURCES,
    enumName: 'funding_source_enum',
    nullable: true,
    comment: 'Who pays: private_pay, medicaid, medicare, long_term_care_insurance, veterans_affairs or other.',
  })
  @IsOptional()
  @IsIn(FUNDING_SOURCES)
  fundingSource: FundingSource | null;

  @Column('date', { name: 'referred_on', nullable: true, comment: 'Date of the referral.' })
  @IsOptional()
  @IsDateOnly()
  referredOn: string | null;

  @Column('date', { name: 'placed_on', nullable: true, comment: 'First day of the placement; required once placed.' })
  @IsRequiredWhen('status', ['placed', 'ended'])
  @IsDateOnlyOrNull()
  placedOn: string | null;

  @Column('date', {
    name: 'ended_on',
    nullable: true,
    comment: 'Last day of the placement; not before placed_on; required once ended.',
  })
  @IsRequiredWhen('status', ['ended'])
  @IsNotBefore('placedOn', { requireOther: true })
  endedOn: string | null;

  @Column('bytea', { name: 'diagnoses_encrypted', nullable: true, comment: 'PHI, encrypted: diagnoses relevant to the placement.' })
  @IsOptional()
  @IsPhiCiphertext()
  diagnosesEncrypted: Buffer | null;

  @Column('bytea', {
    name: 'care_needs_encrypted',
    nullable: true,
    comment: 'PHI, encrypted: care needs (mobility, cognition, personal care, nursing).',
  })
  @IsOptional()
  @IsPhiCiphertext()
  careNeedsEncrypted: Buffer | null;

  @Column('bytea', {
    name: 'preferences_encrypted',
    nullable: true,
    comment: "PHI, encrypted: the client's preferences (diet, routine, faith, language).",
  })
  @IsOptional()
  @IsPhiCiphertext()
  preferencesEncrypted: Buffer | null;

  @Column('bytea', {
    name: 'funding_details_encrypted',
    nullable: true,
    comment: 'PHI, encrypted: payer details such as member and authorisation numbers.',
  })
  @IsOptional()
  @IsPhiCiphertext()
  fundingDetailsEncrypted: Buffer | null;
}
