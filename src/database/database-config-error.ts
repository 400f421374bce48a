/**
 * A database that cannot be reached or a configuration that cannot work. These are the
 * user's to fix, not ours to debug, so the error prints as one line wherever it surfaces:
 * the TypeORM CLI prints errors with `console.error`, which shows `stack`, so `stack` is
 * reduced to the message alone.
 */
export class DatabaseConfigError extends Error {
  override readonly name = 'DatabaseConfigError';

  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}
