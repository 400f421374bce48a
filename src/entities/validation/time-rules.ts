import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * This timestamp is not before the one in `otherProperty` (CHECK `column IS NULL OR column >=
 * other`). A missing value on either side passes: NULL here is allowed by the CHECK, and a
 * missing other value is filled by the column's default (now()), which is checked by the
 * database alone. With `requireOther` (CHECK `column IS NULL OR (other IS NOT NULL AND column
 * >= other)`), a value here needs a value there.
 */
export function IsNotBeforeDate(
  otherProperty: string,
  { requireOther = false, ...options }: ValidationOptions & { requireOther?: boolean } = {},
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isNotBeforeDate',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [otherProperty],
      options: { message: `$property must not be before ${otherProperty}`, ...options },
      validator: {
        validate(value: unknown, args): boolean {
          if (value === null || value === undefined) return true;
          const other = (args?.object as Record<string, unknown>)[otherProperty];
          if (!(value instanceof Date)) return false;
          if (!(other instanceof Date)) return !requireOther;
          return value.getTime() >= other.getTime();
        },
      },
    });
}
