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
    /** Suggested process exit code for this project's CLI (see docs/operations.md, Deploy safety). */
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.stack = `${this.name}: ${message}`;
  }
}

/** The project's one exit-code table (src/cli/exit-codes.ts), re-exported for this layer. */
export { EXIT } from '../../cli/exit-codes';
