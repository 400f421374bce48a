import { IsBoolean, IsIn, IsOptional, Matches } from 'class-validator';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { Client } from './client.entity';
import { ADDRESS_KINDS } from './enums';
import type { AddressKind } from './enums';
import { Facility } from './facility.entity';
import { Specialist } from './specialist.entity';
import { IsPhiCiphertext } from './validation/ciphertext-rules';
import { IsDateOnly, IsNotBefore } from './validation/date-rules';
import { COUNTRY_CODE_PATTERN } from './validation/patterns';
import { IsExactlyOneOf, IsUuidOrNull } from './validation/presence-rules';
import { HasTrimmedLength } from './validation/text-rules';

const envelope = (column: string) =>
  `substring(${column} FROM 1 FOR 1) = '\\x01'::bytea AND octet_length(${column}) BETWEEN 6 AND 65536`;

/** The owner columns: exactly one is set (chk_addresses_one_owner). */
export const ADDRESS_OWNERS = ['facilityId', 'clientId', 'specialistId'] as const;

/**
 * Mirrors migration CreateAddresses1754250046000: an address of exactly one facility, client or
 * specialist, each through its own tenant-inclusive foreign key. Street lines, city and postal
 * code are field ciphertexts (src/phi, table `addresses`).
 */
@Entity({
  name: 'addresses',
  comment:
    'Postal addresses of facilities, clients and specialists: exactly one owner per row, each kind through its own tenant-inclusive foreign key; street, city and postal code only as field ciphertexts.',
})
@Check('chk_addresses_one_owner', `num_nonnulls(facility_id, client_id, specialist_id) = 1`)
@Check('chk_addresses_region_length', `char_length(btrim(region)) BETWEEN 1 AND 100`)
@Check('chk_addresses_country_code_format', `country_code ~ '^[A-Z]{2}$'`)
@Check('chk_addresses_valid_to_after_valid_from', `valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from`)
@Check('chk_addresses_line1_encrypted_envelope', envelope('line1_encrypted'))
@Check('chk_addresses_line2_encrypted_envelope', envelope('line2_encrypted'))
@Check('chk_addresses_city_encrypted_envelope', envelope('city_encrypted'))
@Check('chk_addresses_postal_code_encrypted_envelope', envelope('postal_code_encrypted'))
@Index('ix_addresses_tenant_id_facility_id', ['tenantId', 'facilityId'], { where: 'facility_id IS NOT NULL' })
@Index('uq_addresses_primary_per_facility_id', ['tenantId', 'facilityId'], {
  unique: true,
  where: 'is_primary AND deleted_at IS NULL AND facility_id IS NOT NULL',
})
@Index('ix_addresses_tenant_id_client_id', ['tenantId', 'clientId'], { where: 'client_id IS NOT NULL' })
@Index('uq_addresses_primary_per_client_id', ['tenantId', 'clientId'], {
  unique: true,
  where: 'is_primary AND deleted_at IS NULL AND client_id IS NOT NULL',
})
@Index('ix_addresses_tenant_id_specialist_id', ['tenantId', 'specialistId'], { where: 'specialist_id IS NOT NULL' })
@Index('uq_addresses_primary_per_specialist_id', ['tenantId', 'specialistId'], {
  unique: true,
  where: 'is_primary AND deleted_at IS NULL AND specialist_id IS NOT NULL',
})
export class Address extends TenantScopedEntity {
  @Column('uuid', {
    name: 'facility_id',
    nullable: true,
    comment: "Owner when the address is a facility's; exactly one owner column is set.",
  })
  @IsUuidOrNull()
  @IsExactlyOneOf(ADDRESS_OWNERS)
  facilityId: string | null;

  @ManyToOne(() => Facility, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_addresses_facility_id' },
    { name: 'facility_id', referencedColumnName: 'id' },
  ])
  facility?: Facility | null;

  @Column('uuid', {
    name: 'client_id',
    nullable: true,
    comment: "Owner when the address is a client's; exactly one owner column is set.",
  })
  @IsUuidOrNull()
  @IsExactlyOneOf(ADDRESS_OWNERS)
  clientId: string | null;

  @ManyToOne(() => Client, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_addresses_client_id' },
    { name: 'client_id', referencedColumnName: 'id' },
  ])
  client?: Client | null;

  @Column('uuid', {
    name: 'specialist_id',
    nullable: true,
    comment: "Owner when the address is a specialist's; exactly one owner column is set.",
  })
  @IsUuidOrNull()
  @IsExactlyOneOf(ADDRESS_OWNERS)
  specialistId: string | null;

  @ManyToOne(() => Specialist, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'fk_addresses_specialist_id' },
    { name: 'specialist_id', referencedColumnName: 'id' },
  ])
  specialist?: Specialist | null;

  @Column({
    type: 'enum',
    enum: ADDRESS_KINDS,
    enumName: 'address_kind_enum',
    default: 'home',
    comment: 'What the address is for: home, mailing, billing, work, previous or other.',
  })
  @IsIn(ADDRESS_KINDS)
  kind: AddressKind;

  @Column('boolean', {
    name: 'is_primary',
    default: false,
    comment: "The owner's primary address; at most one live primary address per owner.",
  })
  @IsBoolean()
  isPrimary: boolean;

  @Column('bytea', { name: 'line1_encrypted', comment: 'Encrypted: street address, first line.' })
  @IsPhiCiphertext()
  line1Encrypted: Buffer;

  @Column('bytea', { name: 'line2_encrypted', nullable: true, comment: 'Encrypted: street address, second line.' })
  @IsOptional()
  @IsPhiCiphertext()
  line2Encrypted: Buffer | null;

  @Column('bytea', { name: 'city_encrypted', comment: 'Encrypted: city or locality.' })
  @IsPhiCiphertext()
  cityEncrypted: Buffer;

  @Column('bytea', { name: 'postal_code_encrypted', nullable: true, comment: 'Encrypted: postal or ZIP code.' })
  @IsOptional()
  @IsPhiCiphertext()
  postalCodeEncrypted: Buffer | null;

  @Column('text', { nullable: true, comment: 'State, province or region.' })
  @IsOptional()
  @HasTrimmedLength(1, 100)
  region: string | null;

  @Column('text', { name: 'country_code', default: 'US', comment: 'ISO 3166-1 alpha-2 country code, upper case.' })
  @Matches(COUNTRY_CODE_PATTERN, { message: 'countryCode must be two upper-case letters (ISO 3166-1 alpha-2)' })
  countryCode: string;

  @Column('date', { name: 'valid_from', nullable: true, comment: 'First day the address applies; NULL when unknown.' })
  @IsOptional()
  @IsDateOnly()
  validFrom: string | null;

  @Column('date', {
    name: 'valid_to',
    nullable: true,
    comment: 'Last day the address applies; NULL while current; not before valid_from.',
  })
  @IsOptional()
  @IsNotBefore('validFrom')
  validTo: string | null;
}
