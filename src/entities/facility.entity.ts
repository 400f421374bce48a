import { IsIn, IsInt, IsOptional, Matches, MaxLength, Min } from 'class-validator';
import { Check, Column, Entity, Index } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { FACILITY_KINDS, FACILITY_STATUSES } from './enums';
import type { FacilityKind, FacilityStatus } from './enums';
import { HasTrimmedLength } from './validation/text-rules';
import {
  COUNTRY_CODE_PATTERN,
  PHONE_PATTERN,
  POSTAL_CODE_PATTERN,
  TIME_ZONE_MAX_LENGTH,
  TIME_ZONE_PATTERN,
} from './validation/patterns';

/** Mirrors migration CreateFacilities1754250022000. */
@Entity({ name: 'facilities', comment: 'Care homes and other sites where a tenant places clients.' })
@Check('chk_facilities_name_length', `char_length(btrim(name)) BETWEEN 1 AND 200`)
@Check('chk_facilities_licence_number_length', `char_length(btrim(licence_number)) BETWEEN 1 AND 64`)
@Check('chk_facilities_phone_format', `phone ~ '^[+][1-9][0-9]{6,14}$'`)
@Check('chk_facilities_address_line1_length', `char_length(btrim(address_line1)) BETWEEN 1 AND 200`)
@Check('chk_facilities_address_line2_length', `char_length(btrim(address_line2)) BETWEEN 1 AND 200`)
@Check('chk_facilities_city_length', `char_length(btrim(city)) BETWEEN 1 AND 100`)
@Check('chk_facilities_region_length', `char_length(btrim(region)) BETWEEN 1 AND 100`)
@Check('chk_facilities_postal_code_format', `postal_code ~ '^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$'`)
@Check('chk_facilities_country_code_format', `country_code ~ '^[A-Z]{2}$'`)
@Check(
  'chk_facilities_time_zone_format',
  `char_length(time_zone) <= 64 AND time_zone ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$'`,
)
@Check('chk_facilities_capacity_non_negative', `capacity >= 0`)
@Index('uq_facilities_tenant_id_name', ['tenantId', 'name'], { unique: true, where: 'deleted_at IS NULL' })
export class Facility extends TenantScopedEntity {
  @Column('text', { comment: "Facility name; unique among the tenant's live facilities." })
  @HasTrimmedLength(1, 200)
  name: string;

  @Column({ type: 'enum', enum: FACILITY_KINDS, enumName: 'facility_kind_enum', comment: 'Kind of care the facility provides.' })
  @IsIn(FACILITY_KINDS)
  kind: FacilityKind;

  @Column('text', { name: 'licence_number', nullable: true, comment: 'State licence number, when licensed.' })
  @IsOptional()
  @HasTrimmedLength(1, 64)
  licenceNumber: string | null;

  @Column('text', { nullable: true, comment: 'Main telephone number in E.164 form, such as +15035550100.' })
  @IsOptional()
  @Matches(PHONE_PATTERN, { message: 'phone must be in E.164 form, such as +15035550100' })
  phone: string | null;

  @Column('text', { name: 'address_line1', nullable: true, comment: 'Street address, first line.' })
  @IsOptional()
  @HasTrimmedLength(1, 200)
  addressLine1: string | null;

  @Column('text', { name: 'address_line2', nullable: true, comment: 'Street address, second line.' })
  @IsOptional()
  @HasTrimmedLength(1, 200)
  addressLine2: string | null;

  @Column('text', { nullable: true, comment: 'City or locality.' })
  @IsOptional()
  @HasTrimmedLength(1, 100)
  city: string | null;

  @Column('text', { nullable: true, comment: 'State, province or region.' })
  @IsOptional()
  @HasTrimmedLength(1, 100)
  region: string | null;

  @Column('text', { name: 'postal_code', nullable: true, comment: 'Postal or ZIP code.' })
  @IsOptional()
  @Matches(POSTAL_CODE_PATTERN, { message: 'postalCode must be 2 to 12 letters, digits, spaces or hyphens' })
  postalCode: string | null;

  @Column('text', { name: 'country_code', default: 'US', comment: 'ISO 3166-1 alpha-2 country code, upper case.' })
  @Matches(COUNTRY_CODE_PATTERN, { message: 'countryCode must be an ISO 3166-1 alpha-2 code in upper case, such as US' })
  countryCode: string;

  @Column('text', { name: 'time_zone', default: 'UTC', comment: 'IANA time zone of the site, such as America/Chicago.' })
  @Matches(TIME_ZONE_PATTERN, { message: 'timeZone must be an IANA time zone name, such as America/Chicago' })
  @MaxLength(TIME_ZONE_MAX_LENGTH)
  timeZone: string;

  @Column('integer', { default: 0, comment: 'Licensed number of beds; zero or more.' })
  @IsInt()
  @Min(0)
  capacity: number;

  @Column({
    type: 'enum',
    enum: FACILITY_STATUSES,
    enumName: 'facility_status_enum',
    default: 'active',
    comment: 'Operating state: active, inactive or closed.',
  })
  @IsIn(FACILITY_STATUSES)
  status: FacilityStatus;
}
