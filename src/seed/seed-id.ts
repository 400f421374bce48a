import { createHash } from 'node:crypto';

/**
 * A fixed UUID for a seed row, derived from a readable key ("tenant:acme", "user:acme:staff"):
 * the same on every run and every machine, so the seed can insert-or-skip by primary key and
 * developers can paste ids from one session into the next. Shaped as a version 5 (name-based,
 * SHA-1) UUID so validators accept it.
 */
export function seedId(key: string): string {
  const hash = createHash('sha1').update(`foundation-db seed:${key}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
