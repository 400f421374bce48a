import { writeFileSync } from 'node:fs';
import { EntityManager } from 'typeorm';
import { auditDdlGuardScript } from '../migrations/support/audit-ddl-guard';
import { applyAuditRetention, ensureAuditPartitions } from './audit-partitions';
import { AuditLogName } from './chain/chain-logs';
import { AuditConfigError, CheckpointSettings, checkpointSignerFrom, checkpointStoreFor, trustedKeysFrom } from './checkpoints/checkpoint-config';
import { loadCheckpointHistory } from './checkpoints/checkpoint-history';
import { CheckpointExistsError } from './checkpoints/checkpoint-store';
import { makeCheckpoint } from './checkpoints/make-checkpoint';
import { AUDIT_EXIT, AuditExitCode } from './exit-codes';
import { InclusionProof, ProofUnavailableError, inclusionProofProblems, proveEvent } from './proofs/inclusion-proof';
import { formatProblem, formatVerificationReport, verificationExitCode } from './verify/format-report';
import { verifyAuditLogs } from './verify/verify-audit-logs';

/**
 * The `audit-log` commands (src/cli/audit-log.ts parses the arguments and connects): each takes
 * a connected manager and its options, writes its output through `out`, and returns its exit
 * code (exit-codes.ts).
 */
export type Output = (line: string) => void;

const currentDatabase = async (manager: EntityManager): Promise<string> => (await manager.query(`SELECT current_database() AS d`))[0].d;

export async function partitionsCommand(manager: EntityManager, monthsAhead: number, out: Output): Promise<AuditExitCode> {
  const outcomes = await ensureAuditPartitions(manager, monthsAhead);
  for (const { partitionName, outcome } of outcomes) out(`${partitionName}: ${outcome}`);
  return outcomes.some((o) => o.outcome.startsWith('skipped')) ? AUDIT_EXIT.needsAttention : AUDIT_EXIT.ok;
}

export async function retentionCommand(manager: EntityManager, retention: string, out: Output): Promise<AuditExitCode> {
  const outcomes = await applyAuditRetention(manager, retention);
  if (outcomes.length === 0) out('nothing to drop');
  for (const { partitionName, outcome } of outcomes) out(outcome === 'dropped' ? `dropped ${partitionName}` : `${partitionName}: ${outcome}`);
  return outcomes.some((o) => o.outcome !== 'dropped') ? AUDIT_EXIT.needsAttention : AUDIT_EXIT.ok;
}

export interface VerifyCommandOptions extends CheckpointSettings {
  logs: AuditLogName[];
  /** Tenant ids or streams; all chains when empty. */
  chains: string[];
  json: boolean;
  withoutCheckpoints: boolean;
}

export async function verifyCommand(manager: EntityManager, options: VerifyCommandOptions, out: Output): Promise<AuditExitCode> {
  const database = await currentDatabase(manager);
  const history = options.withoutCheckpoints ? null : await loadCheckpointHistory(checkpointStoreFor(database, options), trustedKeysFrom(options), database);
  const report = await verifyAuditLogs(manager, { history, logs: options.logs, chains: options.chains.length > 0 ? options.chains : undefined });
  if (options.json) out(JSON.stringify(report, null, 2));
  else formatVerificationReport(report).forEach((line) => out(line));
  return verificationExitCode(report);
}

export async function checkpointCommand(manager: EntityManager, options: CheckpointSettings & { json: boolean }, out: Output): Promise<AuditExitCode> {
  const database = await currentDatabase(manager);
  const signer = checkpointSignerFrom(options);
  const store = checkpointStoreFor(database, options);
  let run;
  try {
    run = await makeCheckpoint(manager, { store, signer, trustedKeys: trustedKeysFrom(options, signer) });
  } catch (error) {
    if (error instanceof CheckpointExistsError) {
      out(error.message);
      return AUDIT_EXIT.checkpointConflict;
    }
    throw error;
  }
  if (options.json) {
    out(JSON.stringify(run, null, 2));
  } else {
    out(`checkpoint ${run.number} of ${run.database} written to ${run.location}/${run.name}: ${run.chains} chain(s), ${run.advanced} advanced, ${run.unchanged} unchanged, ${run.refused.length} left unsigned`);
    for (const refused of run.refused) {
      out(`${refused.log} ${refused.chain}: NOT SIGNED`);
      for (const problem of refused.problems) out(`  ${formatProblem(problem)}`);
    }
    for (const problem of run.storeProblems) out(`STORE: ${problem}`);
  }
  return run.refused.length > 0 || run.storeProblems.length > 0 ? AUDIT_EXIT.tampered : AUDIT_EXIT.ok;
}

export async function proveCommand(
  manager: EntityManager,
  options: CheckpointSettings & { log: AuditLogName; chain: string; eventId: string; outFile?: string },
  out: Output,
): Promise<AuditExitCode> {
  const database = await currentDatabase(manager);
  const history = await loadCheckpointHistory(checkpointStoreFor(database, options), trustedKeysFrom(options), database);
  let proof: InclusionProof;
  try {
    proof = await proveEvent(manager, history, { log: options.log, chain: options.chain, eventId: options.eventId });
  } catch (error) {
    if (!(error instanceof ProofUnavailableError)) throw error;
    out(error.message);
    return { 'unknown-event': AUDIT_EXIT.failed, 'not-covered': AUDIT_EXIT.unverified, tampered: AUDIT_EXIT.tampered }[error.reason];
  }
  const text = `${JSON.stringify(proof, null, 2)}\n`;
  if (options.outFile) {
    writeFileSync(options.outFile, text, { flag: 'wx' });
    out(`inclusion proof of event ${options.eventId} (sequence ${proof.sequence}) against checkpoint ${proof.checkpoint.header.number} written to ${options.outFile}`);
  } else {
    out(text.trimEnd());
  }
  return AUDIT_EXIT.ok;
}

/** Needs no database: the proof and the trusted public keys are enough. */
export function verifyProofCommand(proofText: string, options: CheckpointSettings, out: Output): AuditExitCode {
  let proof: InclusionProof;
  try {
    proof = JSON.parse(proofText) as InclusionProof;
  } catch (error) {
    throw new AuditConfigError(`not a proof: ${(error as Error).message}`);
  }
  const problems = inclusionProofProblems(proof, trustedKeysFrom(options));
  if (problems.length === 0) {
    out(`proof holds: event ${proof.event.id} is sequence ${proof.sequence} of ${proof.log} chain ${proof.chain}, in checkpoint ${proof.checkpoint.header.number} of ${proof.checkpoint.header.database} signed ${proof.checkpoint.header.createdAt} by ${proof.checkpoint.header.keyId}`);
    return AUDIT_EXIT.ok;
  }
  for (const problem of problems) out(`proof does NOT hold: ${problem}`);
  return AUDIT_EXIT.tampered;
}

export function guardSqlCommand(out: Output): AuditExitCode {
  out(auditDdlGuardScript().trimEnd());
  return AUDIT_EXIT.ok;
}
