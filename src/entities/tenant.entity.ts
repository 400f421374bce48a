import { IsIn, IsObject, Matches, MaxLength } from 'class-validator';
import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from './base/timestamped.entity';
import { TENANT_STATUSES } from './enums';
import type { TenantStatus } from './enums';
import type { JsonObject } from './json';
import { HasTrimmedLength } from './validation/text-rules';
import { SLUG_MAX_LENGTH, SLUG_PATTERN } from './validation/patterns';

/** Mirrors migration CreateTenants1754250020000. */
@Entity({ name: 'tenants', comment: 'Organisations using the platform; every other row belongs to exactly one tenant.' })
@Check('chk_tenants_name_length', `char_length(btrim(name)) BETWEEN 1 AND 200`)
@Check('chk_tenants_slug_format', `slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 63`)
@Check('chk_tenants_settings_object', `jsonb_typeof(settings) = 'object'`)
@Index('uq_tenants_slug', ['slug'], { unique: true, where: 'deleted_at IS NULL' })
export class Tenant extends TimestampedEntity {
  @PrimaryGeneratedColumn('uuid', { comment: 'Primary key.' })
  id: string;

  @Column('text', { comment: 'Display name of the organisation.' })
  @HasTrimmedLength(1, 200)
  name: string;

  @Column('text', { comment: 'Lower-case URL identifier: letters, digits and single hyphens; unique among live tenants.' })
  @Matches(SLUG_PATTERN, { message: 'slug must be lower-case letters and digits in groups separated by single hyphens' })
  @MaxLength(SLUG_MAX_LENGTH)
  slug: string;

  @Column({
    type: 'enum',
    enum: TENANT_STATUSES,
    enumName: 'tenant_status_enum',
    default: 'active',
    comment: 'Lifecycle state: active, suspended (read-only) or archived.',
  })
  @IsIn(TENANT_STATUSES)
  status: TenantStatus;

  @Column('jsonb', { default: {}, comment: 'Tenant-level configuration as a JSON object.' })
  @IsObject()
  settings: JsonObject;
}
