/** A logical PHI field: the table and the column name without its `_encrypted` suffix. */
export interface FieldRef {
  readonly table: string;
  readonly column: string;
}

const SNAKE = /^[a-z][a-z0-9_]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Throws unless `field` names a table and column in snake_case (they become part of the AAD). */
export function checkedField(field: FieldRef): FieldRef {
  if (!SNAKE.test(field.table) || !SNAKE.test(field.column)) {
    throw new TypeError(`Not a PHI field: ${JSON.stringify(field)}`);
  }
  return field;
}

/** Lower-case UUID, or a TypeError naming what it is for. */
export function checkedUuid(value: string, what: string): string {
  const lower = typeof value === 'string' ? value.toLowerCase() : value;
  if (!isUuid(lower)) throw new TypeError(`${what} must be a UUID`);
  return lower;
}

/** `table.column` as printed in errors and stored in the registry. */
export const fieldName = (field: FieldRef) => `${field.table}.${field.column}`;
