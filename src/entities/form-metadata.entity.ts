import { IsArray, IsDate, IsInt, IsOptional, Matches, Min } from 'class-validator';
import { Check, Column, Entity, Index } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { SNAKE_CASE_KEY_PATTERN } from './validation/patterns';
import { HasTrimmedLength } from './validation/text-rules';
import { IsNotBeforeDate } from './validation/time-rules';

/** One field of a form, as `form_metadata.fields` describes it (never a value). */
export interface FormFieldDefinition {
  key: string;
  label: string;
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [other: string]: any;
}

/** Mirrors migration CreateFormMetadata1754250042000: which form and version captured a record. */
@Entity({
  name: 'form_metadata',
  comment: 'Forms and form versions that capture records (which form and version captured a placement record or a field); no client data.',
})
@Check('chk_form_metadata_form_key_format', `form_key ~ '^[a-z][a-z0-9_]{0,62}$'`)
@Check('chk_form_metadata_version_positive', `version >= 1`)
@Check('chk_form_metadata_title_length', `char_length(btrim(title)) BETWEEN 1 AND 200`)
@Check('chk_form_metadata_fields_array', `jsonb_typeof(fields) = 'array'`)
@Check(
  'chk_form_metadata_retired_after_published',
  `retired_at IS NULL OR (published_at IS NOT NULL AND retired_at >= published_at)`,
)
@Index('uq_form_metadata_tenant_id_form_key_version', ['tenantId', 'formKey', 'version'], {
  unique: true,
  where: 'deleted_at IS NULL',
})
export class FormMetadata extends TenantScopedEntity {
  @Column('text', {
    name: 'form_key',
    comment: 'Stable name of the form, such as placement_intake: lower-case letters, digits and underscores.',
  })
  @Matches(SNAKE_CASE_KEY_PATTERN, { message: 'formKey must be 1 to 63 lower-case letters, digits or underscores, starting with a letter' })
  formKey: string;

  @Column('integer', { comment: 'Version of the form, from 1; one live row per tenant, form key and version.' })
  @IsInt()
  @Min(1)
  version: number;

  @Column('text', { comment: 'Title shown to staff.' })
  @HasTrimmedLength(1, 200)
  title: string;

  @Column('jsonb', { default: [], comment: "The form's field definitions (key, label, type) as a JSON array; never values." })
  @IsArray()
  fields: FormFieldDefinition[];

  @Column('timestamptz', { name: 'published_at', nullable: true, comment: 'When the version was published for use; NULL while a draft.' })
  @IsOptional()
  @IsDate()
  publishedAt: Date | null;

  @Column('timestamptz', {
    name: 'retired_at',
    nullable: true,
    comment: 'When the version stopped being offered; not before it was published.',
  })
  @IsOptional()
  @IsNotBeforeDate('publishedAt', { requireOther: true })
  retiredAt: Date | null;
}
