import { AUDIT_EXIT, AuditExitCode } from '../exit-codes';
import { ChainProblem } from '../chain/chain-walker';
import { VerificationReport } from './verify-audit-logs';

/** The exit code for a verification: tampered, unverified (no checkpoint yet), or ok. */
export function verificationExitCode(report: VerificationReport): AuditExitCode {
  if (!report.intact) return AUDIT_EXIT.tampered;
  if (report.unverified) return AUDIT_EXIT.unverified;
  return AUDIT_EXIT.ok;
}

export function formatProblem(problem: ChainProblem): string {
  const where = problem.lastSequence ? `sequences ${problem.sequence}-${problem.lastSequence}` : `sequence ${problem.sequence}`;
  const row = problem.rowId ? ` (row ${problem.rowId})` : '';
  return `${where}${row}: ${problem.kind}: ${problem.detail}`;
}

/** The report as lines for a person: one line per chain, one more per problem, then a summary. */
export function formatVerificationReport(report: VerificationReport): string[] {
  const lines: string[] = [];
  for (const chain of report.chains) {
    const signed = chain.checkpoint
      ? `checkpoint ${chain.checkpoint.number} (${chain.checkpoint.createdAt}) signed up to ${chain.checkpoint.sequence}; ${chain.uncheckpointedRows} row(s) since`
      : 'no checkpoint covers it yet';
    lines.push(`${chain.log} ${chain.chain}: ${chain.intact ? 'intact' : 'BROKEN'} (${chain.rows} row(s); ${signed})`);
    for (const problem of chain.problems) lines.push(`  ${formatProblem(problem)}`);
  }
  if (report.chains.length === 0) lines.push('no audit chain has events yet');
  if (report.checkpoints) {
    const { location, count, latest, problems } = report.checkpoints;
    lines.push(`checkpoints: ${count} in ${location}${latest ? `, latest ${latest.number} (${latest.createdAt}, key ${latest.keyId})` : ''}`);
    for (const problem of problems) lines.push(`  STORE: ${problem}`);
  } else {
    lines.push('checkpoints: not used (--without-checkpoints): a consistent rewrite by the tables\' owner would not show');
  }
  const broken = report.chains.filter((chain) => !chain.intact).length;
  const verdict = !report.intact ? 'TAMPERED' : report.unverified ? 'UNVERIFIED: no signed checkpoint yet (run audit-log checkpoint)' : 'intact';
  lines.push(`${report.chains.length} chain(s), ${broken} broken: ${verdict}`);
  return lines;
}
