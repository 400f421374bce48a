import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

/**
 * Length of the text once leading and trailing spaces are removed, counted in characters
 * (code points): exactly PostgreSQL's `char_length(btrim(value))`. JavaScript's `trim()` and
 * `.length` differ from it (other whitespace, UTF-16 units), so they are not used here.
 */
function trimmedCharLength(value: string): number {
  return [...value.replace(/^ +| +$/g, '')].length;
}

/**
 * A text column whose CHECK is `char_length(btrim(column)) BETWEEN min AND max`: not blank,
 * and not longer than `max` characters. A null value is left to @IsOptional / NOT NULL.
 */
export function HasTrimmedLength(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'hasTrimmedLength',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [min, max],
      options: {
        message: (args: ValidationArguments) =>
          `${args.property} must be ${min} to ${max} characters long, not counting leading and trailing spaces`,
        ...options,
      },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string') return false;
          const length = trimmedCharLength(value);
          return length >= min && length <= max;
        },
      },
    });
}
