import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { Client } from './client.entity';
import { MEDICATION_ROUTES } from './enums';
import type { MedicationRoute } from './enums';
import { Specialist } from './specialist.entity';
import { IsPhiCiphertext } from './validation/ciphertext-rules';
import { IsDateOnly, IsNotBefore } from './validation/date-rules';

const envelope = (column: string) =>
  `substring(${column} FROM 1 FOR 1) = '\\x01'::bytea AND octet_length(${column}) BETWEEN 6 AND 65536`;

/**
 * Mirrors migration CreateMedications1754250045000: a client's medication. Drug, dose,
 * frequency, instructions and a hand-written prescriber name are field ciphertexts (src/phi,
 * table `medications`); route, dates and a directory prescriber are in clear.
 */
@Entity({
  name: 'medications',
  comment:
    'Medications of each client: drug, dose, route, frequency, prescriber, start and end; drug, dose, frequency and notes only as field ciphertexts.',
})
@Check('chk_medications_end_after_start', `ended_on IS NULL OR ended_on >= started_on`)
@Check('chk_medications_drug_name_encrypted_envelope', envelope('drug_name_encrypted'))
@Check('chk_medications_dose_encrypted_envelope', envelope('dose_encrypted'))
@Check('chk_medications_frequency_encrypted_envelope', envelope('frequency_encrypted'))
@Check('chk_medications_instructions_encrypted_envelope', envelope('instructions_encrypted'))
@Check('chk_medications_prescriber_name_encrypted_envelope', envelope('prescriber_name_encrypted'))
@Index('ix_medications_tenant_id_client_id', ['tenantId', 'clientId'])
@Index('ix_medications_tenant_id_prescriber_specialist_id', ['tenantId', 'prescriberSpecialistId'])
export class Medication extends TenantScopedEntity {
  @Column('uuid', { name: 'client_id', comment: 'Client who takes the medication.' })
  @IsUUID()
  clientId: string;

  @ManyToOne(() => Client, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_medications_client_id' },
    { name: 'client_id', referencedColumnName: 'id' },
  ])
  client?: Client;

  @Column('uuid', {
    name: 'prescriber_specialist_id',
    nullable: true,
    comment: "Prescriber, when in the tenant's specialist directory.",
  })
  @IsOptional()
  @IsUUID()
  prescriberSpecialistId: string | null;

  @ManyToOne(() => Specialist, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_medications_prescriber_specialist_id' },
    { name: 'prescriber_specialist_id', referencedColumnName: 'id' },
  ])
  prescriber?: Specialist | null;

  @Column({
    type: 'enum',
    enum: MEDICATION_ROUTES,
    enumName: 'medication_route_enum',
    comment: 'Route of administration, such as oral or transdermal.',
  })
  @IsIn(MEDICATION_ROUTES)
  route: MedicationRoute;

  @Column('date', { name: 'started_on', comment: 'First day taken.' })
  @IsDateOnly()
  startedOn: string;

  @Column('date', { name: 'ended_on', nullable: true, comment: 'Last day taken; NULL while current; not before started_on.' })
  @IsOptional()
  @IsNotBefore('startedOn')
  endedOn: string | null;

  @Column('bytea', { name: 'drug_name_encrypted', comment: 'PHI, encrypted: drug name and strength, such as metformin 500 mg.' })
  @IsPhiCiphertext()
  drugNameEncrypted: Buffer;

  @Column('bytea', { name: 'dose_encrypted', comment: 'PHI, encrypted: dose per administration, such as 1 tablet.' })
  @IsPhiCiphertext()
  doseEncrypted: Buffer;

  @Column('bytea', { name: 'frequency_encrypted', comment: 'PHI, encrypted: how often, such as twice daily with meals.' })
  @IsPhiCiphertext()
  frequencyEncrypted: Buffer;

  @Column('bytea', { name: 'instructions_encrypted', nullable: true, comment: 'PHI, encrypted: further instructions.' })
  @IsOptional()
  @IsPhiCiphertext()
  instructionsEncrypted: Buffer | null;

  @Column('bytea', {
    name: 'prescriber_name_encrypted',
    nullable: true,
    comment: "PHI, encrypted: the prescriber's name when not in the specialist directory.",
  })
  @IsOptional()
  @IsPhiCiphertext()
  prescriberNameEncrypted: Buffer | null;
}
