import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AUDIT_EXIT } from '../../src/audit';
import { runProjectCli } from '../support/cli';
import { tamperAsSuperuser, tenantWithEvents } from '../support/audit';
import { useTestDatabase } from '../support/test-database';

/** `npm run audit-log -- <command>` against the test database, the way a scheduled job or an auditor runs it. */
describe('the audit-log command', () => {
  const db = useTestDatabase();
  let work: string;
  let keyArgs: string[];
  let trustArgs: string[];

  const auditLog = (args: string[]) => runProjectCli('audit-log', args, { DATABASE_URL: db.settings.url });

  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'foundation-audit-cli-'));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(path.join(work, 'signer.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(path.join(work, 'signer.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    keyArgs = ['--key', path.join(work, 'signer.pem')];
    trustArgs = ['--store', path.join(work, 'store'), '--public-key', path.join(work, 'signer.pub.pem')];
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("its outcomes are codes of the project's one exit-code table, written out here", () => {
    expect(AUDIT_EXIT).toEqual({ ok: 0, failed: 1, configuration: 2, tampered: 7, unverified: 9, needsAttention: 9, checkpointConflict: 10, usage: 64 });
  });

  it("partitions: lists both logs' current month and the months ahead, creating what is missing", async () => {
    const result = await auditLog(['partitions', '--months-ahead', '4']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(10);
    for (const stem of ['user_action_audit_logs', 'system_audit_log']) {
      const mine = lines.filter((line) => line.startsWith(`${stem}_y`));
      expect(mine.slice(0, 4).every((line) => line.endsWith(': exists'))).toBe(true);
      expect(mine[4]).toMatch(new RegExp(`^${stem}_y\\d{4}m\\d{2}: created$`));
    }
  });

  it('verify before any checkpoint: intact but unverified, exit 9; --without-checkpoints: exit 0', async () => {
    const { tenantId } = await tenantWithEvents(db.dataSource, 2);
    const unverified = await auditLog(['verify', '--tenant', tenantId, ...trustArgs]);
    expect(unverified.code).toBe(AUDIT_EXIT.unverified);
    expect(unverified.stdout).toContain(`user_action ${tenantId}: intact (2 row(s); no checkpoint covers it yet)`);
    expect(unverified.stdout).toContain('UNVERIFIED');
    const selfOnly = await auditLog(['verify', '--tenant', tenantId, '--without-checkpoints']);
    expect(selfOnly.code).toBe(0);
  }, 120_000);

  it('checkpoint, then verify: exit 0; after tampering, exit 7 with the row and reason, also as JSON', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 3);
    const signed = await auditLog(['checkpoint', ...keyArgs, ...trustArgs]);
    expect(signed).toMatchObject({ code: 0, stderr: '' });
    expect(signed.stdout).toMatch(/^checkpoint 1 of \S+ written to .*checkpoint-000000000001\.json: \d+ chain\(s\), \d+ advanced, 0 unchanged, 0 left unsigned/);

    const intact = await auditLog(['verify', '--all', ...trustArgs]);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain(`user_action ${tenantId}: intact (3 row(s); checkpoint 1 (`);

    await tamperAsSuperuser(db.dataSource, (runner) =>
      runner.query(`UPDATE user_action_audit_logs SET entity_type = 'facility' WHERE tenant_id = $1 AND id = $2`, [tenantId, events[1]!.id]),
    );
    const broken = await auditLog(['verify', '--all', ...trustArgs]);
    expect(broken.code).toBe(AUDIT_EXIT.tampered);
    expect(broken.stdout).toContain(`user_action ${tenantId}: BROKEN`);
    expect(broken.stdout).toContain(`  sequence 2 (row ${events[1]!.id}): changed: its contents no longer match its hash`);
    expect(broken.stdout).toMatch(/TAMPERED$/m);

    const json = await auditLog(['verify', '--tenant', tenantId, '--json', ...trustArgs]);
    expect(json.code).toBe(AUDIT_EXIT.tampered);
    const report = JSON.parse(json.stdout);
    expect(report.chains[0]).toMatchObject({ log: 'user_action', chain: tenantId, intact: false, problems: [{ kind: 'changed', sequence: '2', rowId: events[1]!.id }] });

    // A checkpoint reads only what is new, and keeps the entry it signed before: the edit stays visible.
    expect((await auditLog(['checkpoint', ...keyArgs, ...trustArgs])).code).toBe(0);
    expect((await auditLog(['verify', '--tenant', tenantId, ...trustArgs])).code).toBe(AUDIT_EXIT.tampered);

    // It will not sign a rewritten head over: the last row edited, re-hashed, the head moved to match.
    await tamperAsSuperuser(db.dataSource, async (runner) => {
      await runner.query(`UPDATE user_action_audit_logs SET details = '{"edited": true}' WHERE tenant_id = $1 AND id = $2`, [tenantId, events[2]!.id]);
      await runner.query(
        `UPDATE user_action_audit_logs l SET row_hash = audit_log_row_hash(l.previous_hash, l.tenant_id, l.id, l.chain_sequence, l.occurred_at,
           l.actor_user_id, l.action, l.entity_type, l.entity_id, l.details, l.request_id, l.ip_address, l.user_agent)
         WHERE tenant_id = $1 AND id = $2`,
        [tenantId, events[2]!.id],
      );
      await runner.query(`UPDATE user_action_audit_log_chains c SET last_hash = l.row_hash FROM user_action_audit_logs l WHERE c.tenant_id = $1 AND l.tenant_id = $1 AND l.id = $2`, [
        tenantId,
        events[2]!.id,
      ]);
    });
    const refused = await auditLog(['checkpoint', ...keyArgs, ...trustArgs]);
    expect(refused.code).toBe(AUDIT_EXIT.tampered);
    expect(refused.stdout).toContain(`user_action ${tenantId}: NOT SIGNED`);
    expect(refused.stdout).toContain("sequence 3: head: the chain head's hash at sequence 3 is not the one checkpoint 1 holds");
  }, 240_000);

  it('prove and verify-proof: an event shown in a signed checkpoint without the database; a doctored proof fails', async () => {
    const { tenantId, events } = await tenantWithEvents(db.dataSource, 4);
    expect((await auditLog(['prove', '--tenant', tenantId, '--event', events[2]!.id, ...trustArgs])).code).toBe(AUDIT_EXIT.unverified);
    expect((await auditLog(['checkpoint', ...keyArgs, ...trustArgs])).code).not.toBe(AUDIT_EXIT.failed);
    const proofFile = path.join(work, 'proof.json');
    const proved = await auditLog(['prove', '--tenant', tenantId, '--event', events[2]!.id, '--out', proofFile, ...trustArgs]);
    expect(proved).toMatchObject({ code: 0, stderr: '' });
    const holds = await runProjectCli('audit-log', ['verify-proof', proofFile, '--public-key', path.join(work, 'signer.pub.pem')], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(holds.code).toBe(0);
    expect(holds.stdout).toContain(`proof holds: event ${events[2]!.id} is sequence 3 of user_action chain ${tenantId}`);

    const proof = JSON.parse(readFileSync(proofFile, 'utf8'));
    proof.event.action = 'delete';
    writeFileSync(path.join(work, 'doctored.json'), JSON.stringify(proof));
    const doctored = await runProjectCli('audit-log', ['verify-proof', path.join(work, 'doctored.json'), '--public-key', path.join(work, 'signer.pub.pem')]);
    expect(doctored.code).toBe(AUDIT_EXIT.tampered);
    expect(doctored.stdout).toContain("proof does NOT hold: the event's values do not hash to its row hash");
  }, 240_000);

  it('verify: a tenant id that is not a uuid, or no chain chosen, is refused before connecting', async () => {
    const result = await auditLog(['verify', '--tenant', 'acme']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('expected a tenant id (uuid)');
    const none = await auditLog(['verify']);
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('verify needs exactly one of --all, --tenant <uuid> or --stream <name>');
  });

  it('guard-sql prints the script a superuser runs to install the DDL guard', async () => {
    const result = await runProjectCli('audit-log', ['guard-sql']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^-- foundation-db: audit DDL guard/);
    expect(result.stdout).toContain('CREATE EVENT TRIGGER foundation_audit_guard_ddl ON ddl_command_end');
    expect(result.stdout.trim().endsWith('COMMIT;')).toBe(true);
  });
});
