/**
 * Exit codes of `npm run audit-log -- <command>`, in one place. 0-2 mean what they mean for the
 * project's other commands; 10 and up are the audit log's own.
 */
export const AUDIT_EXIT = {
  /** Done; every chain verified intact (against the checkpoints, when used). */
  ok: 0,
  /** The command failed: a bad argument, an error. */
  failed: 1,
  /** Cannot connect, or the configuration is unusable (no key, unreadable store, a key that is not Ed25519/P-256). */
  configuration: 2,
  /** Evidence of tampering: a chain problem, a contradiction of a signed checkpoint, a damaged checkpoint store,
   *  an inclusion proof that does not hold. `checkpoint` also exits 10 when it had to leave chains unsigned. */
  tampered: 10,
  /** The chains are intact as far as the database shows, but no signed checkpoint exists to hold them to. */
  unverified: 11,
  /** Upkeep needs a person: a month's partition skipped (rows stranded in a default partition before the
   *  default refused rows), or an expired partition kept because it is not yet the oldest whole part of a chain. */
  needsAttention: 12,
  /** Another checkpoint run wrote the same checkpoint number first; nothing was replaced. Run again. */
  checkpointConflict: 13,
} as const;

export type AuditExitCode = (typeof AUDIT_EXIT)[keyof typeof AUDIT_EXIT];
