import { execFile } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../support/cli';
import { tamperAsSuperuser, tenantWithEvents } from '../support/audit';
import { useTestDatabase } from '../support/test-database';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run audit-log -- <args>` against the test database, the way a scheduled job runs it. */
function auditLog(args: string[], databaseUrl: string): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      path.join(PROJECT_ROOT, 'node_modules/.bin/ts-node'),
      ['src/cli/audit-log.ts', ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, DATABASE_URL: databaseUrl } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('the audit-log command', () => {
  const db = useTestDatabase();

  it('partitions: lists the current month and the months ahead, creating what is missing', async () => {
    const result = await auditLog(['partitions', '--months-ahead', '4'], db.settings.url);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.slice(0, 4).every((line) => line.endsWith(': exists'))).toBe(true);
    expect(lines[4]).toMatch(/^user_action_audit_logs_y\d{4}m\d{2}: created$/);
  });

  it('verify: exit 0 for an intact chain, 7 and the broken row for a tampered one', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 3);
    const intact = await auditLog(['verify', '--tenant', tenantId], db.settings.url);
    expect(intact).toMatchObject({ code: 0, stdout: `${tenantId}: intact\n` });

    await tamperAsSuperuser(db.dataSource, (runner) =>
      runner.query(`UPDATE user_action_audit_logs SET entity_type = 'facility' WHERE tenant_id = $1 AND id = $2`, [
        tenantId,
        events[1]!.id,
      ]),
    );
    const broken = await auditLog(['verify', '--all'], db.settings.url);
    expect(broken.code).toBe(7);
    expect(broken.stdout).toContain(`${tenantId}: BROKEN at sequence 2 (row ${events[1]!.id}): changed`);
  });

  it('verify: a tenant id that is not a uuid is refused before connecting', async () => {
    const result = await auditLog(['verify', '--tenant', 'acme'], db.settings.url);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('expected a tenant id (uuid)');
  });
});
