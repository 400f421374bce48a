import { IsOptional, Matches, MaxLength } from 'class-validator';
import { Check, Column, Entity, Index } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { EMAIL_MAX_LENGTH, EMAIL_PATTERN, NPI_PATTERN, PHONE_PATTERN } from './validation/patterns';
import { HasTrimmedLength } from './validation/text-rules';

/** Mirrors migration CreateSpecialists1754250041000: a tenant's directory of outside clinicians (not PHI). */
@Entity({
  name: 'specialists',
  comment: "Each tenant's directory of outside clinicians who treat or assess its clients; professional data, not PHI.",
})
@Check('chk_specialists_full_name_length', `char_length(btrim(full_name)) BETWEEN 1 AND 200`)
@Check('chk_specialists_specialty_length', `char_length(btrim(specialty)) BETWEEN 1 AND 100`)
@Check('chk_specialists_organisation_length', `char_length(btrim(organisation)) BETWEEN 1 AND 200`)
@Check('chk_specialists_npi_format', `npi ~ '^[0-9]{10}$'`)
@Check('chk_specialists_phone_format', `phone ~ '^[+][1-9][0-9]{6,14}$'`)
@Check(
  'chk_specialists_email_format',
  `char_length(email) <= 254 AND email ~ '^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}$'`,
)
@Index('uq_specialists_tenant_id_npi', ['tenantId', 'npi'], { unique: true, where: 'deleted_at IS NULL' })
export class Specialist extends TenantScopedEntity {
  @Column('text', { name: 'full_name', comment: 'Name as the specialist practises, such as Dr. Ana Ruiz.' })
  @HasTrimmedLength(1, 200)
  fullName: string;

  @Column('text', { comment: 'Field of practice, such as geriatrics or physical therapy.' })
  @HasTrimmedLength(1, 100)
  specialty: string;

  @Column('text', { nullable: true, comment: 'Practice, clinic or hospital the specialist works for.' })
  @IsOptional()
  @HasTrimmedLength(1, 200)
  organisation: string | null;

  @Column('text', {
    nullable: true,
    comment: "US National Provider Identifier (10 digits); unique among the tenant's live specialists.",
  })
  @IsOptional()
  @Matches(NPI_PATTERN, { message: 'npi must be exactly 10 digits' })
  npi: string | null;

  @Column('text', { nullable: true, comment: 'Work telephone number in E.164 form, such as +15035550100.' })
  @IsOptional()
  @Matches(PHONE_PATTERN, { message: 'phone must be in E.164 form, such as +15035550100' })
  phone: string | null;

  @Column('text', { nullable: true, comment: 'Work e-mail address.' })
  @IsOptional()
  @MaxLength(EMAIL_MAX_LENGTH)
  @Matches(EMAIL_PATTERN, { message: 'email must be an e-mail address' })
  email: string | null;
}
