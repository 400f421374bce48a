import { EXIT } from '../cli/exit-codes';

/**
 * The audit log's outcomes, named for what they mean to an auditor, each one code of the
 * project's one exit-code table (src/cli/exit-codes.ts, shown in docs/operations.md): one code,
 * one meaning, whichever command returns it.
 */
export const AUDIT_EXIT = {
  /** Done; every chain verified intact (against the checkpoints, when used). */
  ok: EXIT.ok,
  /** The command failed: an error. */
  failed: EXIT.failed,
  /** Cannot connect, or the configuration is unusable (no key, unreadable store, a key that is not Ed25519/P-256). */
  configuration: EXIT.configuration,
  /** Evidence of tampering: a chain problem, a contradiction of a signed checkpoint, a damaged checkpoint store,
   *  an inclusion proof that does not hold. `checkpoint` also exits so when it had to leave chains unsigned. */
  tampered: EXIT.checkFailed,
  /** The chains are intact as far as the database shows, but no signed checkpoint exists to hold them to. */
  unverified: EXIT.needsAttention,
  /** Upkeep needs a person: a month's partition skipped (rows stranded in a default partition before the
   *  default refused rows), or an expired partition kept because it is not yet the oldest whole part of a chain. */
  needsAttention: EXIT.needsAttention,
  /** Another checkpoint run wrote the same checkpoint number first; nothing was replaced. Run again. */
  checkpointConflict: EXIT.busy,
  /** Bad command-line arguments. */
  usage: EXIT.usage,
} as const;

export type AuditExitCode = (typeof AUDIT_EXIT)[keyof typeof AUDIT_EXIT];
