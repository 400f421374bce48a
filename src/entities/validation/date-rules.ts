import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

/**
 * Rules for PostgreSQL `date` columns, which TypeORM reads and writes as 'YYYY-MM-DD' strings.
 * Such strings compare correctly as text, so no Date objects (and no time zones) are involved.
 */
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written as YYYY-MM-DD (so 2023-02-29 is rejected, as PostgreSQL does). */
export function isDateOnly(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE_ONLY.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Today's date in UTC as YYYY-MM-DD: the database's CURRENT_DATE in a UTC session. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

export function IsDateOnly(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDateOnly',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a date written as YYYY-MM-DD', ...options },
      validator: { validate: isDateOnly },
    });
}

/**
 * A date written as YYYY-MM-DD, or nothing, without skipping the property's other rules (as
 * @IsOptional would) when it is empty: for a date that another rule requires in some states.
 */
export function IsDateOnlyOrNull(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDateOnlyOrNull',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a date written as YYYY-MM-DD, or null', ...options },
      validator: { validate: (value: unknown) => value === null || value === undefined || isDateOnly(value) },
    });
}

/** A date from `earliest` up to and including today (CHECK `column BETWEEN earliest AND CURRENT_DATE`). */
export function IsDateOnlyFromUntilToday(earliest: string, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDateOnlyFromUntilToday',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [earliest],
      options: { message: `$property must be between ${earliest} and today`, ...options },
      validator: {
        validate: (value: unknown) => isDateOnly(value) && value >= earliest && value <= todayUtc(),
      },
    });
}

/**
 * This date is not before the date in `otherProperty`. With `requireOther`, a value here also
 * needs a value there (a discharge needs an admission); without it, a missing other date passes.
 */
export function IsNotBefore(
  otherProperty: string,
  { requireOther = false, ...options }: ValidationOptions & { requireOther?: boolean } = {},
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isNotBefore',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [otherProperty],
      options: {
        message: (args: ValidationArguments) =>
          requireOther
            ? `${args.property} needs ${otherProperty} and must not be before it`
            : `${args.property} must not be before ${otherProperty}`,
        ...options,
      },
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          if (value === null || value === undefined) return true;
          const other = (args.object as Record<string, unknown>)[otherProperty];
          if (other === null || other === undefined) return !requireOther;
          return isDateOnly(value) && isDateOnly(other) && value >= other;
        },
      },
    });
}
