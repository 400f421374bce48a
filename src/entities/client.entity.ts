import { ArrayMaxSize, IsIn, IsInt, IsOptional, IsUUID } from 'class-validator';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { CLIENT_STATUSES } from './enums';
import type { ClientStatus } from './enums';
import { Facility } from './facility.entity';
import { HasByteLength, IsPhiCiphertext } from './validation/ciphertext-rules';
import { IsDateOnly, IsNotBefore } from './validation/date-rules';

const envelope = (column: string) =>
  `substring(${column} FROM 1 FOR 1) = '\\x01'::bytea AND octet_length(${column}) BETWEEN 6 AND 65536`;

/**
 * Mirrors migration CreateClients1754250023000 as changed by AddEncryptedClientColumns1754250049000
 * ... DropPlaintextClientColumns1754250084000: the client's identity (names, date of birth,
 * medical record number) is PHI and held only as field ciphertexts, with keyed blind indexes
 * for exact-match lookups and keyed trigram tokens for name search. Write and read it through
 * src/phi (`sealClientIdentity`, `openClientIdentity`, `findClientsByMedicalRecordNumber`,
 * `findClientsByDateOfBirth`, `searchClients`), which check the plaintext with the rules the
 * old CHECKs enforced (`ClientIdentity`). Status, facility and admission dates stay in clear.
 */
@Entity({ name: 'clients', comment: 'People being placed in care; protected health information.' })
@Check(
  'chk_clients_discharge_after_admission',
  `discharged_on IS NULL OR (admitted_on IS NOT NULL AND discharged_on >= admitted_on)`,
)
@Check('chk_clients_first_name_encrypted_envelope', envelope('first_name_encrypted'))
@Check('chk_clients_last_name_encrypted_envelope', envelope('last_name_encrypted'))
@Check('chk_clients_preferred_name_encrypted_envelope', envelope('preferred_name_encrypted'))
@Check('chk_clients_date_of_birth_encrypted_envelope', envelope('date_of_birth_encrypted'))
@Check('chk_clients_medical_record_number_encrypted_envelope', envelope('medical_record_number_encrypted'))
@Check('chk_clients_date_of_birth_bidx_length', `octet_length(date_of_birth_bidx) = 2`)
@Check('chk_clients_medical_record_number_bidx_length', `octet_length(medical_record_number_bidx) = 32`)
@Check('chk_clients_name_search_tokens_count', `cardinality(name_search_tokens) <= 300`)
@Index('uq_clients_tenant_id_medical_record_number_bidx', ['tenantId', 'medicalRecordNumberBidx'], {
  unique: true,
  where: 'deleted_at IS NULL',
})
@Index('ix_clients_tenant_id_date_of_birth_bidx', ['tenantId', 'dateOfBirthBidx'], { where: 'deleted_at IS NULL' })
@Index('ix_clients_tenant_id_name_search_tokens', ['tenantId', 'nameSearchTokens'], { type: 'gin', where: 'deleted_at IS NULL' })
@Index('ix_clients_tenant_id_facility_id', ['tenantId', 'facilityId'])
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

  @Column('bytea', { name: 'first_name_encrypted', comment: 'PHI, encrypted: legal given name.' })
  @IsPhiCiphertext()
  firstNameEncrypted: Buffer;

  @Column('bytea', { name: 'last_name_encrypted', comment: 'PHI, encrypted: legal family name.' })
  @IsPhiCiphertext()
  lastNameEncrypted: Buffer;

  @Column('bytea', {
    name: 'preferred_name_encrypted',
    nullable: true,
    comment: 'PHI, encrypted: name the client prefers to be called by.',
  })
  @IsOptional()
  @IsPhiCiphertext()
  preferredNameEncrypted: Buffer | null;

  @Column('bytea', {
    name: 'date_of_birth_encrypted',
    comment: 'PHI, encrypted: date of birth (YYYY-MM-DD), from 1900-01-01 to today.',
  })
  @IsPhiCiphertext()
  dateOfBirthEncrypted: Buffer;

  @Column('bytea', { name: 'medical_record_number_encrypted', comment: 'PHI, encrypted: medical record number.' })
  @IsPhiCiphertext()
  medicalRecordNumberEncrypted: Buffer;

  @Column('bytea', {
    name: 'date_of_birth_bidx',
    comment:
      'Blind index of the date of birth: keyed hash truncated to 12 bits, tenant-scoped, for exact-match lookups (false positives are filtered after decryption).',
  })
  @HasByteLength(2)
  dateOfBirthBidx: Buffer;

  @Column('bytea', {
    name: 'medical_record_number_bidx',
    comment: "Blind index of the medical record number: keyed 256-bit hash, tenant-scoped; unique among the tenant's live clients.",
  })
  @HasByteLength(32)
  medicalRecordNumberBidx: Buffer;

  @Column('integer', {
    name: 'name_search_tokens',
    array: true,
    default: [],
    comment: 'Keyed 16-bit hashes of the trigrams of the normalised names, tenant-scoped, for name search.',
  })
  @ArrayMaxSize(300)
  @IsInt({ each: true })
  nameSearchTokens: number[];
}
