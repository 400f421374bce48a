import { isUUID, registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

const present = (value: unknown) => value !== null && value !== undefined;

/**
 * Exactly one property of `group` has a value (CHECK `num_nonnulls(a, b, c) = 1`): put it on
 * every property of the group, so the error names whichever one a caller looks at.
 */
export function IsExactlyOneOf(group: readonly string[], options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isExactlyOneOf',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [group],
      options: { message: `exactly one of ${group.join(', ')} must be set`, ...options },
      validator: {
        validate(_value: unknown, args: ValidationArguments): boolean {
          const object = args.object as Record<string, unknown>;
          return group.filter((property) => present(object[property])).length === 1;
        },
      },
    });
}

/**
 * This property has a value whenever `otherProperty` is one of `values` (CHECK `other NOT IN
 * (...) OR column IS NOT NULL`).
 */
export function IsRequiredWhen(otherProperty: string, values: readonly string[], options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isRequiredWhen',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [otherProperty, values],
      options: { message: `$property is required when ${otherProperty} is ${values.join(' or ')}`, ...options },
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const other = (args.object as Record<string, unknown>)[otherProperty];
          return !values.includes(other as string) || present(value);
        },
      },
    });
}

/**
 * A UUID or nothing, without skipping the property's other rules the way @IsOptional and
 * @ValidateIf do (they skip every validator of the property when it is empty, and the
 * exactly-one and required-when rules must run precisely then).
 */
export function IsUuidOrNull(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isUuidOrNull',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a UUID or null', ...options },
      validator: { validate: (value: unknown) => !present(value) || isUUID(value) },
    });
}

/**
 * This property is empty exactly when `otherProperty` equals `value` (CHECK `(other = value) =
 * (column IS NULL)`), such as a destroyed key having no key material and every other key having
 * it.
 */
export function IsNullExactlyWhen(otherProperty: string, value: string, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isNullExactlyWhen',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [otherProperty, value],
      options: { message: `$property must be null exactly when ${otherProperty} is ${value}`, ...options },
      validator: {
        validate(current: unknown, args: ValidationArguments): boolean {
          return ((args.object as Record<string, unknown>)[otherProperty] === value) === !present(current);
        },
      },
    });
}
