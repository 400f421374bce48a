/**
 * Formats checked by both the database (CHECK constraints in the migrations) and the entities
 * (class-validator). The migrations keep their own literal copies, because a landed migration
 * must never change when application code does; the constraint tests prove that both sides
 * accept and reject the same samples. Only plain ASCII classes are used, which PostgreSQL's
 * regular expressions and JavaScript's read the same way.
 */
export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const SLUG_MAX_LENGTH = 63;

export const EMAIL_PATTERN = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}$/;
export const EMAIL_MAX_LENGTH = 254;

/** E.164: a plus sign, a non-zero digit, then 6 to 14 more digits. */
export const PHONE_PATTERN = /^[+][1-9][0-9]{6,14}$/;
export const POSTAL_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$/;
/** ISO 3166-1 alpha-2, upper case. */
export const COUNTRY_CODE_PATTERN = /^[A-Z]{2}$/;
/** The shape of an IANA time zone name (Area/Location); the zone itself is not looked up. */
export const TIME_ZONE_PATTERN = /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/;
export const TIME_ZONE_MAX_LENGTH = 64;
export const MEDICAL_RECORD_NUMBER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

/** Earliest date of birth the database accepts. */
export const EARLIEST_DATE_OF_BIRTH = '1900-01-01';

/**
 * An https URL: a host of dot-separated labels, an optional port, then any printable ASCII
 * (no spaces). Used for identity providers' issuer and JWKS URLs.
 */
export const HTTPS_URL_PATTERN =
  /^https:\/\/[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?([.][A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?(\/[!-~]*)?$/;
export const URL_MAX_LENGTH = 2048;

/** A reference into a secret store, never a secret: the store's scheme, then printable ASCII. */
export const SECRET_REF_PATTERN = /^(vault:|arn:aws:secretsmanager:|azure-keyvault:|gcp-secretmanager:)[!-~]+$/;
export const SECRET_REF_MAX_LENGTH = 1024;

/** Kind of record named in an audit event: a snake_case name, at most 63 characters. */
export const ENTITY_TYPE_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

/** A system audit event type: two to four dotted snake_case words, each at most 41 characters (migration.run). */
export const SYSTEM_EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]{0,40}([.][a-z][a-z0-9_]{0,40}){1,3}$/;

/** US National Provider Identifier: exactly 10 digits (the check digit is not verified, as in the CHECK). */
export const NPI_PATTERN = /^[0-9]{10}$/;

/** A stable snake_case key (a form's key, a form field's key), at most 63 characters. */
export const SNAKE_CASE_KEY_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
