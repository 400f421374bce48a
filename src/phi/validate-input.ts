import { validate } from 'class-validator';
import { PhiInputError } from './errors';

/**
 * Runs class-validator on a plaintext input object and throws PhiInputError for the first
 * property that breaks a rule. class-validator's ValidationError carries the offending value
 * (`value`, `target`); only the property name and the rule messages (which never interpolate
 * `$value` here) survive into the error, so no plaintext reaches a log through it.
 */
export async function assertValidInput(input: object, what: string): Promise<void> {
  const errors = await validate(input, { forbidUnknownValues: true });
  if (errors.length === 0) return;
  const [first] = errors;
  throw new PhiInputError(`${what}.${first!.property}`, Object.values(first!.constraints ?? { invalid: 'is not valid' }));
}
