/**
 * Justified lint exceptions for migrations that have already landed on main. Those are
 * immutable: editing their SQL, even to add a comment, would change the checksum that deploys
 * record for applied migrations. A new migration writes its exception next to the statement
 * instead, as a squawk comment on the line before it:
 *
 *     -- squawk-ignore prefer-bigint-over-int -- a number of beds, not an identifier
 *     capacity integer NOT NULL DEFAULT 0,
 *
 * Each entry excuses one rule on the SQL lines of one migration that contain `sql`, and says why.
 */
export interface LintException {
  migration: string;
  direction: 'up' | 'down';
  rule: string;
  /** Text of the SQL line squawk points at. */
  sql: string;
  why: string;
}

export const LANDED_MIGRATION_EXCEPTIONS: LintException[] = [
  {
    migration: 'CreateFacilities1754250022000',
    direction: 'up',
    rule: 'prefer-bigint-over-int',
    sql: 'capacity integer',
    why: 'a number of beds, not an identifier or a counter that grows: integer is ample',
  },
];
