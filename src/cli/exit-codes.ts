/**
 * THE exit-code table of every command of this project (src/cli/*, and `typeorm` run on
 * ormconfig.ts / dist/ormconfig.js where the DataSource can decide the exit). One code, one
 * meaning, whichever command returns it. docs/operations.md shows this table, and
 * test/operations/exit-codes-doc.test.ts fails when the two disagree.
 *
 * A plain data module with no imports, so every layer (database plumbing included) can use it.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  configuration: 2,
  pending: 3,
  checksumMismatch: 4,
  unknownApplied: 5,
  lockWait: 6,
  checkFailed: 7,
  refused: 8,
  needsAttention: 9,
  busy: 10,
  usage: 64,
  interrupted: 130,
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each code means, in the words docs/operations.md uses (the doc test compares them). */
export const EXIT_CODE_MEANINGS: Record<ExitCode, string> = {
  0: 'done; `status`: up to date; a check: passed',
  1: 'the work failed: a migration or revert step failed (rolled back), or an unexpected error',
  2: 'cannot connect or bad configuration: unreachable or silent server, bad `DATABASE_URL`, missing password, missing privilege, the embedded default refused on a deploy path; nothing was changed',
  3: 'migrations are pending (`migration:status`; `db:seed` will not seed a database with pending migrations)',
  4: 'an applied migration was edited: checksum mismatch (also a manifest mismatch in `migration:manifest --check`)',
  5: 'the database has applied migrations this code does not know (newer code ran)',
  6: 'the migration lock was not free within `MIGRATION_LOCK_WAIT`',
  7: 'a check found a problem: schema drift (`schema:check`), stale docs (`docs:schema --check`), lint findings (`migration:lint`), a broken audit chain or evidence of tampering (`audit-log verify`, `checkpoint`, `verify-proof`), a hardening step not in effect (`tenant-context harden`)',
  8: 'refused to protect data or schema: objects of ours already exist in another shape, a revert would drop rows, `baseline` on a schema that differs, `db:seed` with `NODE_ENV=production`; nothing was changed',
  9: 'done except for items a person must look at (named in the output): `audit-log partitions` skipped a month or `drop-expired` kept an expired partition, `audit-log verify` found the chains intact but no signed checkpoint to hold them to',
  10: 'another process is doing the same work (a key rotation of the same tenant, a checkpoint run that took the same number first); nothing was changed: run again later',
  64: 'bad command-line arguments (sysexits EX_USAGE); nothing was done',
  130: 'interrupted by Ctrl-C (SIGINT); the migration in progress, if any, was rolled back by the server',
  143: 'stopped by SIGTERM; as for 130',
};
