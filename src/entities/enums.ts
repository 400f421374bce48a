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

/** Life cycle of a tenant's data key version (phi_key_state_enum); see docs/encryption.md. */
export const PHI_KEY_STATES = ['active', 'retiring', 'retired', 'destroyed'] as const;
export type PhiKeyState = (typeof PHI_KEY_STATES)[number];

/** Where a placement stands (placement_status_enum). */
export const PLACEMENT_STATUSES = ['draft', 'referred', 'placed', 'ended', 'cancelled'] as const;
export type PlacementStatus = (typeof PLACEMENT_STATUSES)[number];

/** Level of care assessed for a placement (care_level_enum). */
export const CARE_LEVELS = ['independent', 'assisted', 'memory_care', 'skilled_nursing', 'hospice'] as const;
export type CareLevel = (typeof CARE_LEVELS)[number];

/** Who pays for a placement (funding_source_enum). */
export const FUNDING_SOURCES = [
  'private_pay',
  'medicaid',
  'medicare',
  'long_term_care_insurance',
  'veterans_affairs',
  'other',
] as const;
export type FundingSource = (typeof FUNDING_SOURCES)[number];

/** Part a specialist plays in a placement (placement_specialist_role_enum). */
export const PLACEMENT_SPECIALIST_ROLES = ['primary_care', 'consulting', 'referring', 'therapy', 'other'] as const;
export type PlacementSpecialistRole = (typeof PLACEMENT_SPECIALIST_ROLES)[number];

/** Route of administration of a medication (medication_route_enum). */
export const MEDICATION_ROUTES = [
  'oral',
  'sublingual',
  'topical',
  'transdermal',
  'inhaled',
  'nasal',
  'ophthalmic',
  'otic',
  'subcutaneous',
  'intramuscular',
  'intravenous',
  'rectal',
  'enteral_tube',
  'other',
] as const;
export type MedicationRoute = (typeof MEDICATION_ROUTES)[number];

/** What an address is for (address_kind_enum). */
export const ADDRESS_KINDS = ['home', 'mailing', 'billing', 'work', 'previous', 'other'] as const;
export type AddressKind = (typeof ADDRESS_KINDS)[number];

/** Where a field's value came from (contribution_source_enum). */
export const CONTRIBUTION_SOURCES = [
  'staff_entry',
  'client_interview',
  'family_member',
  'referral_document',
  'specialist_report',
  'import',
  'other',
] as const;
export type ContributionSource = (typeof CONTRIBUTION_SOURCES)[number];

/** How a person contributed to a field (contributor_role_enum). */
export const CONTRIBUTOR_ROLES = ['author', 'reviewer', 'informant', 'verifier'] as const;
export type ContributorRole = (typeof CONTRIBUTOR_ROLES)[number];
