import { IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { CLIENT_STATUSES } from './enums';
import type { ClientStatus } from './enums';
import { Facility } from './facility.entity';
import { IsDateOnly, IsDateOnlyFromUntilToday, IsNotBefore } from './validation/date-rules';
import { HasTrimmedLength } from './validation/text-rules';
import { EARLIEST_DATE_OF_BIRTH, MEDICAL_RECORD_NUMBER_PATTERN } from './validation/patterns';

/**
 * Mirrors migration CreateClients1754250023000.
 *
 * Name search: `searchClients(manager, query)` (src/database/tenant-context), which calls the
 * database function `search_clients()`. The trigram index `ix_clients_tenant_id_full_name_trgm`
 * covers (tenant_id, first_name || ' ' || last_name) for live rows; under row-level security
 * the application role cannot use it directly (the trigram operators are not LEAKPROOF), so a
 * hand-written ILIKE on `clients` reads the whole tenant.
 */
@Entity({ name: 'clients', comment: 'People being placed in care; protected health information.' })
@Check('chk_clients_first_name_length', `char_length(btrim(first_name)) BETWEEN 1 AND 100`)
@Check('chk_clients_last_name_length', `char_length(btrim(last_name)) BETWEEN 1 AND 100`)
@Check('chk_clients_preferred_name_length', `char_length(btrim(preferred_name)) BETWEEN 1 AND 100`)
@Check('chk_clients_date_of_birth_range', `date_of_birth BETWEEN DATE '1900-01-01' AND CURRENT_DATE`)
@Check('chk_clients_medical_record_number_format', `medical_record_number ~ '^[A-Za-z0-9][A-Za-z0-9-]{0,63}$'`)
@Check(
  'chk_clients_discharge_after_admission',
  `discharged_on IS NULL OR (admitted_on IS NOT NULL AND discharged_on >= admitted_on)`,
)
@Index('uq_clients_tenant_id_medical_record_number', ['tenantId', 'medicalRecordNumber'], {
  unique: true,
  where: 'deleted_at IS NULL',
})
@Index('ix_clients_tenant_id_facility_id', ['tenantId', 'facilityId'])
// An expression index TypeORM cannot describe; declared so that its diff leaves it alone.
@Index('ix_clients_tenant_id_full_name_trgm', { synchronize: false })
export class Client extends TenantScopedEntity {
  @Column('uuid', {
    name: 'facility_id',
    nullable: true,
    comment: 'Facility the client is placed at or referred to; NULL while unassigned.',
  })
  @IsOptional()
  @IsUUID()
  facilityId: string | null;

  /** Tenant-inclusive reference: the facility must belong to the client's tenant. */
  @ManyToOne(() => Facility, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_clients_facility_id' },
    { name: 'facility_id', referencedColumnName: 'id' },
  ])
  facility?: Facility | null;

  @Column('text', { name: 'first_name', comment: 'Legal given name.' })
  @HasTrimmedLength(1, 100)
  firstName: string;

  @Column('text', { name: 'last_name', comment: 'Legal family name.' })
  @HasTrimmedLength(1, 100)
  lastName: string;

  @Column('text', { name: 'preferred_name', nullable: true, comment: 'Name the client prefers to be called by.' })
  @IsOptional()
  @HasTrimmedLength(1, 100)
  preferredName: string | null;

  @Column('date', { name: 'date_of_birth', comment: 'Date of birth; from 1900-01-01 to today.' })
  @IsDateOnlyFromUntilToday(EARLIEST_DATE_OF_BIRTH)
  dateOfBirth: string;

  @Column('text', {
    name: 'medical_record_number',
    comment: "Medical record number: letters, digits and hyphens; unique among the tenant's live clients.",
  })
  @Matches(MEDICAL_RECORD_NUMBER_PATTERN, {
    message: 'medicalRecordNumber must be 1 to 64 letters, digits or hyphens, starting with a letter or digit',
  })
  medicalRecordNumber: string;

  @Column({
    type: 'enum',
    enum: CLIENT_STATUSES,
    enumName: 'client_status_enum',
    default: 'referred',
    comment: 'Placement state: referred, waitlisted, admitted, discharged or declined.',
  })
  @IsIn(CLIENT_STATUSES)
  status: ClientStatus;

  @Column('date', { name: 'admitted_on', nullable: true, comment: 'Date of admission to the facility.' })
  @IsOptional()
  @IsDateOnly()
  admittedOn: string | null;

  @Column('date', {
    name: 'discharged_on',
    nullable: true,
    comment: 'Date of discharge; requires an admission date and is not before it.',
  })
  @IsOptional()
  @IsDateOnly()
  @IsNotBefore('admittedOn', { requireOther: true })
  dischargedOn: string | null;
}
