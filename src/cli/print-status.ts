import { MigrationStatus } from '../database/migration-safety';

const STATE_TEXT: Record<MigrationStatus['applied'][number]['checksum'], string> = {
  ok: 'checksum ok',
  legacy: 'checksum ok (up-only format of this code; upgraded to up and down by the next run)',
  unrecorded: 'no checksum yet (recorded by the next run)',
  mismatch: 'CHECKSUM MISMATCH: edited after it was applied',
  unknown: 'NOT IN THE CODE: applied by another version',
};

/** `migration:status` for people: one line per migration, then the verdict. */
export function formatStatus(status: MigrationStatus): string {
  const width = Math.max(10, ...status.applied.map((row) => row.name.length), ...status.pending.map((name) => name.length));
  const lines = [`Applied (${status.applied.length}):`];
  for (const row of status.applied) {
    const when = row.appliedAt ?? 'before checksums'.padEnd(24);
    const took = row.durationMs === null ? '' : `${row.durationMs} ms`;
    lines.push(`  [X] ${row.name.padEnd(width)}  ${when.padEnd(24)}  ${took.padStart(9)}  ${STATE_TEXT[row.checksum]}`);
  }
  lines.push(`Pending (${status.pending.length}):`);
  for (const name of status.pending) lines.push(`  [ ] ${name}`);
  const mismatches = status.applied.filter((row) => row.checksum === 'mismatch');
  if (mismatches.length > 0) {
    lines.push('', 'Checksum mismatch:');
    for (const row of mismatches) lines.push(`  ${row.name}: recorded ${row.recordedChecksum}, code now ${row.currentChecksum}`);
    lines.push(
      'Undo the edit and put the change in a new migration, or after review re-record it: npm run migration:repair -- <name>',
    );
  }
  lines.push('', status.upToDate ? 'Up to date.' : verdict(status));
  return `${lines.join('\n')}\n`;
}

function verdict(status: MigrationStatus): string {
  const problems: string[] = [];
  if (status.applied.some((row) => row.checksum === 'mismatch')) problems.push('applied migrations were edited');
  if (status.applied.some((row) => row.checksum === 'unknown')) problems.push('the database has migrations this code does not');
  if (status.pending.length > 0) problems.push(`${status.pending.length} migration(s) pending`);
  return `Not up to date: ${problems.join('; ')}. (exit code ${status.exitCode})`;
}
