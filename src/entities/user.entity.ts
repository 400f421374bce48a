import { IsIn, IsOptional, Matches, MaxLength } from 'class-validator';
import { Check, Column, Entity, Index } from 'typeorm';
import { TenantScopedEntity } from './base/tenant-scoped.entity';
import { USER_ROLES, USER_STATUSES } from './enums';
import type { UserRole, UserStatus } from './enums';
import { HasTrimmedLength } from './validation/text-rules';
import { EMAIL_MAX_LENGTH, EMAIL_PATTERN } from './validation/patterns';

/** Mirrors migration CreateUsers1754250021000. */
@Entity({ name: 'users', comment: 'People who sign in to a tenant, with their platform role.' })
@Check(
  'chk_users_email_format',
  `char_length(email) <= 254 AND email ~ '^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}$'`,
)
@Check('chk_users_first_name_length', `char_length(btrim(first_name)) BETWEEN 1 AND 100`)
@Check('chk_users_last_name_length', `char_length(btrim(last_name)) BETWEEN 1 AND 100`)
@Check('chk_users_display_name_length', `char_length(btrim(display_name)) BETWEEN 1 AND 200`)
@Index('uq_users_tenant_id_email', ['tenantId', 'email'], { unique: true, where: 'deleted_at IS NULL' })
// (tenant_id, email::text COLLATE case_insensitive): an expression TypeORM cannot describe, so it
// leaves the index alone (IndexUsersByEmailUnderRls1754250100000 says why it exists).
@Index('ix_users_tenant_id_email_ci', { synchronize: false })
export class User extends TenantScopedEntity {
  @Column('citext', { comment: "Sign-in e-mail address, case-insensitive; unique among the tenant's live users." })
  @Matches(EMAIL_PATTERN, { message: 'email must be an address such as name@example.org' })
  @MaxLength(EMAIL_MAX_LENGTH)
  email: string;

  @Column('text', { name: 'first_name', comment: 'Given name.' })
  @HasTrimmedLength(1, 100)
  firstName: string;

  @Column('text', { name: 'last_name', comment: 'Family name.' })
  @HasTrimmedLength(1, 100)
  lastName: string;

  @Column('text', {
    name: 'display_name',
    nullable: true,
    comment: 'Name shown in the interface, when it differs from first and last name.',
  })
  @IsOptional()
  @HasTrimmedLength(1, 200)
  displayName: string | null;

  @Column({
    type: 'enum',
    enum: USER_ROLES,
    enumName: 'user_role_enum',
    default: 'viewer',
    comment: 'Platform role: what the user may do within the tenant.',
  })
  @IsIn(USER_ROLES)
  role: UserRole;

  @Column({
    type: 'enum',
    enum: USER_STATUSES,
    enumName: 'user_status_enum',
    default: 'invited',
    comment: 'Account state: invited, active, suspended or deactivated.',
  })
  @IsIn(USER_STATUSES)
  status: UserStatus;

  @Column('timestamptz', { name: 'last_login_at', nullable: true, comment: 'When the user last signed in; NULL if never.' })
  lastLoginAt: Date | null;
}
