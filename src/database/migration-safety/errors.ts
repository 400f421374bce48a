/**
 * A migration run refused or stopped for a reason the operator must act on (a checksum
 * mismatch, a lock that could not be had, a migration blocked by a long transaction). The
 * TypeORM CLI prints errors with `console.error`, which shows `stack`; the stack of these says
 * nothing useful, so it is reduced to the message.
 */
export class MigrationSafetyError extends Error {
  override name = 'MigrationSafetyError';

  constructor(
    message: string,
    /** Suggested process exit code for this project's CLI (see README, Deploy safety). */
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.stack = `${this.name}: ${message}`;
  }
}

/** Exit codes of `migration:status` and the other safety commands; documented in the README. */
export const EXIT = {
  ok: 0,
  failed: 1,
  connection: 2,
  pending: 3,
  checksumMismatch: 4,
  unknownApplied: 5,
  lockWait: 6,
} as const;
