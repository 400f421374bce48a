import { FieldRef } from './field-ref';

/** Every error of the PHI module. Messages name tables, columns, rows and tenants, never a value. */
export class PhiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A field ciphertext could not be decrypted: it was moved to another row, column or tenant,
 * altered, or its key is gone. The message names the field and row; it never contains the
 * ciphertext or any plaintext.
 */
export class PhiDecryptionError extends PhiError {
  constructor(
    readonly field: FieldRef,
    readonly rowId: string,
    readonly tenantId: string,
    readonly reason: string,
  ) {
    super(`Cannot decrypt ${field.table}.${field.column} of row ${rowId} (tenant ${tenantId}): ${reason}`);
  }
}

/** A tenant's data key or key-encryption key is not available (destroyed, or never created). */
export class PhiKeyUnavailableError extends PhiError {}

/** The PHI module is configured in a way that cannot work (production without a KMS, a bad key folder...). */
export class PhiConfigurationError extends PhiError {}

/**
 * A plaintext value breaks a rule (too long, wrong format). `field` and `rules` say which; the
 * value itself is never part of the message, nor kept on the error.
 */
export class PhiInputError extends PhiError {
  constructor(
    readonly field: string,
    readonly rules: string[],
  ) {
    super(`${field}: ${rules.join('; ')}`);
  }
}
