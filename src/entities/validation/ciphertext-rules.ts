import { registerDecorator, ValidationOptions } from 'class-validator';

/** Envelope format byte of a field ciphertext (src/phi/envelope.ts). */
const FORMAT_V1 = 1;
const MIN_LENGTH = 6;
const MAX_LENGTH = 65_536;

/**
 * A field ciphertext as the database's `chk_<table>_<column>_envelope` CHECKs accept it:
 * bytes starting with the envelope's format byte 1, 6 to 65,536 bytes long. It cannot tell a
 * real ciphertext from a forgery (only decryption can), but it rejects the likely bug: text or
 * plaintext bytes written into an encrypted column. NULL is left to @IsOptional / NOT NULL.
 */
export function isPhiCiphertext(value: unknown): boolean {
  return (
    Buffer.isBuffer(value) && value.length >= MIN_LENGTH && value.length <= MAX_LENGTH && value[0] === FORMAT_V1
  );
}

export function IsPhiCiphertext(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPhiCiphertext',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a field ciphertext (src/phi), never plaintext', ...options },
      validator: { validate: isPhiCiphertext },
    });
}

/** Bytes of exactly `length` (a blind index of fixed width). */
export function HasByteLength(length: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'hasByteLength',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [length],
      options: { message: `$property must be exactly ${length} bytes`, ...options },
      validator: { validate: (value: unknown) => Buffer.isBuffer(value) && value.length === length },
    });
}

/** Bytes from `min` to `max` long (CHECK `octet_length(column) BETWEEN min AND max`); null is left to @IsOptional. */
export function HasByteLengthBetween(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'hasByteLengthBetween',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [min, max],
      options: { message: `$property must be ${min} to ${max} bytes`, ...options },
      validator: { validate: (value: unknown) => value === null || value === undefined || (Buffer.isBuffer(value) && value.length >= min && value.length <= max) },
    });
}
