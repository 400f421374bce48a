import { randomUUID } from 'node:crypto';
import { dropExpiredAuditPartitions, ensureAuditPartitions, listAuditLogTenants, verifyAuditChain } from '../../src/audit';
import { FoundationDataSource } from '../../src/database/foundation-data-source';
import { enterTenant, installTenantContextKey, resolveTenantContextKey } from '../../src/database/tenant-context';
import { runProjectCli } from '../support/cli';
import { FUNCTION_OWNING_ROLES, useOwnerLogin } from '../support/owner-login';
import { useTestDatabase } from '../support/test-database';

/** UTC month `monthsFromNow` away: its partition name and bounds. */
function utcMonth(monthsFromNow: number): { name: string; from: string; to: string; inside: string } {
  const now = new Date();
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + monthsFromNow, 1));
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  const mm = String(start.getUTCMonth() + 1).padStart(2, '0');
  return {
    name: `user_action_audit_logs_y${start.getUTCFullYear()}m${mm}`,
    from: start.toISOString(),
    to: end.toISOString(),
    inside: new Date(start.getTime() + 36 * 3600 * 1000).toISOString(),
  };
}

/**
 * The audit log's upkeep run by a table owner that is NOT a superuser, as on a managed
 * PostgreSQL service. Forced row-level security hides every tenant's rows from such an owner
 * (only superusers skip it, which is what every other test connects as), so retention,
 * `verify --all` and the default-partition check must go through the maintenance functions.
 */
describe('audit log upkeep by an owner that is not a superuser', () => {
  const db = useTestDatabase('empty');
  const owner = useOwnerLogin(db, FUNCTION_OWNING_ROLES);
  let ownerSource: FoundationDataSource;
  const expired = utcMonth(-7 * 12 - 1);
  const stranded = utcMonth(5);
  const tenants = [randomUUID(), randomUUID()].sort();

  /** As the owner, inside one tenant's context (the only way it can write under forced RLS). */
  async function asOwnerInTenant(tenantId: string, statements: [string, unknown[]?][]): Promise<void> {
    await ownerSource.transaction(async (manager) => {
      await enterTenant(manager, tenantId);
      for (const [sql, parameters] of statements) await manager.query(sql, parameters);
    });
  }

  const event = `INSERT INTO user_action_audit_logs (tenant_id, occurred_at, action, entity_type) VALUES ($1, $2, 'read', 'client')`;

  beforeAll(async () => {
    ownerSource = await owner.connect();
    await ownerSource.runMigrations({ transaction: 'each' });
    // As a deploy does after migrating: the schema owner installs the application's key.
    await installTenantContextKey(ownerSource, resolveTenantContextKey());
    // Without the memberships it needed for migrating: their roles' policies would otherwise
    // show it every row (see owner-login.ts), and only the maintenance functions are tested.
    await owner.leaveRoles();
    // A partition for a month more than six years ago, made by hand as an import would.
    await ownerSource.query(
      `CREATE TABLE ${expired.name} PARTITION OF user_action_audit_logs FOR VALUES FROM ('${expired.from}') TO ('${expired.to}')`,
    );
    await ownerSource.query(`SELECT protect_audit_log_partition('${expired.name}')`);
    for (const [i, tenantId] of tenants.entries()) {
      await asOwnerInTenant(tenantId, [
        [`INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)`, [tenantId, `Owner test ${i}`, `owner-test-${i}`]],
        // Sequences 1-3 in the expired month, 4-5 now.
        ...[0, 1, 2].map((): [string, unknown[]] => [event, [tenantId, expired.inside]]),
        ...[0, 1].map((): [string, unknown[]] => [event, [tenantId, new Date().toISOString()]]),
      ]);
    }
    // One row of the first tenant in a month five ahead, which has no partition yet: it lands
    // in the default partition (sequence 6).
    await asOwnerInTenant(tenants[0]!, [[event, [tenants[0], stranded.inside]]]);
  });

  it('the migrations ran as that owner, which is no superuser and is bound by row-level security', async () => {
    const [me] = await ownerSource.query(
      `SELECT current_user AS role, rolsuper, rolbypassrls,
              (SELECT relowner::regrole::text FROM pg_class WHERE oid = 'user_action_audit_logs'::regclass) AS audit_owner,
              (SELECT count(*)::int FROM user_action_audit_logs) AS audit_rows,
              (SELECT count(*)::int FROM user_action_audit_log_chains) AS chains,
              (SELECT count(*)::int FROM tenants) AS tenants
       FROM pg_roles WHERE rolname = current_user`,
    );
    expect(me).toEqual({ role: owner.role, rolsuper: false, rolbypassrls: false, audit_owner: owner.role, audit_rows: 0, chains: 0, tenants: 0 });
    // The superuser sees what was written.
    const [all] = await db.dataSource.query(`SELECT count(*)::int AS n FROM user_action_audit_logs`);
    expect(all.n).toBe(11);
  });

  it('partitions: a month whose rows sit in the default partition is skipped, the others are created', async () => {
    const outcomes = await ensureAuditPartitions(ownerSource.manager, 6);
    expect(outcomes.map((o) => o.outcome)).toEqual(['exists', 'exists', 'exists', 'exists', 'created', expect.stringMatching(/^skipped: 1 rows/), 'created']);
    expect(outcomes[5]!.partitionName).toBe(stranded.name);
  });

  it('verify --all (API): lists every tenant with audit events and finds each chain intact', async () => {
    expect(await listAuditLogTenants(ownerSource.manager)).toEqual(tenants);
    for (const tenantId of tenants) expect(await verifyAuditChain(ownerSource.manager, tenantId)).toEqual({ intact: true });
  });

  it('retention moves every tenant\'s anchor past the dropped rows before dropping their partition', async () => {
    const lastDropped: { tenant_id: string; row_hash: Buffer }[] = await db.dataSource.query(
      `SELECT tenant_id, row_hash FROM user_action_audit_logs WHERE chain_sequence = 3 ORDER BY tenant_id`,
    );
    expect(lastDropped.map((row) => row.tenant_id)).toEqual(tenants);

    expect(await dropExpiredAuditPartitions(ownerSource.manager)).toEqual([expired.name]);

    const anchors: { tenant_id: string; anchor_sequence: string; anchor_hash: Buffer }[] = await db.dataSource.query(
      `SELECT tenant_id, anchor_sequence, anchor_hash FROM user_action_audit_log_chains ORDER BY tenant_id`,
    );
    expect(anchors.map((a) => ({ tenant: a.tenant_id, sequence: String(a.anchor_sequence), hash: a.anchor_hash.toString('hex') }))).toEqual(
      lastDropped.map((row) => ({ tenant: row.tenant_id, sequence: '3', hash: row.row_hash.toString('hex') })),
    );
    const [left] = await db.dataSource.query(`SELECT count(*)::int AS n, min(chain_sequence)::int AS first FROM user_action_audit_logs`);
    expect(left).toEqual({ n: 5, first: 4 });
    for (const tenantId of tenants) expect(await verifyAuditChain(ownerSource.manager, tenantId)).toEqual({ intact: true });
  });

  it('verify --all (command), connected as the owner: every tenant intact, exit 0', async () => {
    const result = await runProjectCli('audit-log', ['verify', '--all'], { DATABASE_URL: owner.settings.url });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(tenants.map((tenantId) => `${tenantId}: intact\n`).join(''));
  });
});
