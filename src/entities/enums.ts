/**
 * Values of the PostgreSQL enum types, in their declared order. Each list is the single place
 * the entities read them from; the migrations that created the types hold their own copies,
 * and the in-step test fails if the two ever disagree.
 */
export const TENANT_STATUSES = ['active', 'suspended', 'archived'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/**
 * Platform roles, from widest to narrowest: platform staff, a tenant's administrators,
 * managers of one or more facilities, care staff, and read-only viewers (auditors, family
 * liaisons). Facility-level duties live in FACILITY_ROLES instead.
 */
export const USER_ROLES = ['platform_admin', 'tenant_admin', 'facility_manager', 'staff', 'viewer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const USER_STATUSES = ['invited', 'active', 'suspended', 'deactivated'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const FACILITY_KINDS = [
  'assisted_living',
  'skilled_nursing',
  'memory_care',
  'independent_living',
  'group_home',
  'hospice',
  'other',
] as const;
export type FacilityKind = (typeof FACILITY_KINDS)[number];

export const FACILITY_STATUSES = ['active', 'inactive', 'closed'] as const;
export type FacilityStatus = (typeof FACILITY_STATUSES)[number];

export const CLIENT_STATUSES = ['referred', 'waitlisted', 'admitted', 'discharged', 'declined'] as const;
export type ClientStatus = (typeof CLIENT_STATUSES)[number];

export const FACILITY_ROLES = [
  'administrator',
  'nurse',
  'caregiver',
  'case_manager',
  'social_worker',
  'support',
] as const;
export type FacilityRole = (typeof FACILITY_ROLES)[number];

/** Kinds of external identity provider (ciam_provider_kind_enum); oidc and saml are the generic ones. */
export const CIAM_PROVIDER_KINDS = [
  'supertokens',
  'cognito',
  'azure_entra',
  'auth0',
  'okta',
  'google',
  'oidc',
  'saml',
] as const;
export type CiamProviderKind = (typeof CIAM_PROVIDER_KINDS)[number];

/** Roles a provider's group claim may grant: every user role except platform_admin. */
export const CIAM_GRANTABLE_ROLES = USER_ROLES.filter((role) => role !== 'platform_admin');

/** What an audit event records (audit_action_enum). */
export const AUDIT_ACTIONS = [
  'create',
  'read',
  'update',
  'delete',
  'restore',
  'login',
  'logout',
  'login_failed',
  'export',
  'print',
  'share',
  'permission_change',
  'break_glass',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Chains of the system audit log (system_audit_stream_enum), one per kind of platform event:
 * migration runs, reverts and repairs; platform operations; login resolutions; key rotations and
 * crypto-shredding; break-glass use; audit log upkeep (retention).
 */
export const SYSTEM_AUDIT_STREAMS = ['migrations', 'platform', 'login', 'keys', 'break_glass', 'audit'] as const;
export type SystemAuditStream = (typeof SYSTEM_AUDIT_STREAMS)[number];
