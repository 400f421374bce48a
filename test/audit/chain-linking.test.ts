import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { verifyAuditChain } from '../../src/audit';
import { enterTenant, withTenant } from '../../src/database/tenant-context';
import { useAppLogin } from '../support/app-login';
import { chainHeadOf, storedChainOf } from '../support/audit';
import { copyFromText } from '../support/copy-from-text';
import { makeTenant } from '../support/factories';
import { sqlstateOf } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

const INSERT = `INSERT INTO user_action_audit_logs (tenant_id, id, action, entity_type)`;
const ID = (n: number) => `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * The chain links only rows that are stored, whatever the INSERT form. The chain trigger runs
 * BEFORE INSERT and INSERT ... ON CONFLICT decides after it: before HardenUserActionAuditLog a
 * skipped row left the head one step ahead of the stored rows, and verification reported a
 * missing row forever after. Each form is tried as the application role (through withTenant, as
 * the application works) and as a superuser; the non-superuser owner's turn is in
 * non-superuser-owner.test.ts. After each, the head is the last stored row and the chain verifies.
 */
describe('the audit chain links only stored rows, whatever the INSERT form', () => {
  const db = useTestDatabase();
  const login = useAppLogin(db);
  let app: DataSource;

  beforeAll(async () => {
    app = await login.connect(2);
  });

  const newTenant = async () => (await db.dataSource.manager.save(makeTenant())).id;

  /** The head sits on the last stored row, the rows are 1..n without gaps, and the chain verifies. */
  async function expectLinkedExactly(tenantId: string, rows: number): Promise<void> {
    const stored = await storedChainOf(db.dataSource, tenantId);
    expect(stored.map((row) => row.sequence)).toEqual(Array.from({ length: rows }, (_, i) => String(i + 1)));
    const head = await chainHeadOf(db.dataSource, tenantId);
    expect(head?.lastSequence ?? '0').toBe(String(rows));
    if (rows > 0) expect(head!.lastHash.equals(stored[rows - 1]!.rowHash)).toBe(true);
    expect(await verifyAuditChain(db.dataSource.manager, tenantId)).toMatchObject({ intact: true, problems: [] });
  }

  type Runner = (tenantId: string, work: (manager: EntityManager) => Promise<unknown>) => Promise<unknown>;
  const asApplication: Runner = (tenantId, work) => withTenant(app, tenantId, work);
  const asSuperuser: Runner = (tenantId, work) =>
    db.dataSource.transaction(async (manager) => {
      await enterTenant(manager, tenantId);
      return work(manager);
    });

  describe.each([
    ['the application role', asApplication],
    ['a superuser', asSuperuser],
  ] as const)('as %s', (_who, runAs) => {
    it('ON CONFLICT DO NOTHING on a recorded key is refused (unique_violation), and skips nothing', async () => {
      const tenantId = await newTenant();
      await runAs(tenantId, (m) => m.query(`${INSERT} VALUES ($1, $2, 'read', 'client')`, [tenantId, ID(1)]));
      // The same key again in one transaction (same occurred_at, now()), as a savepoint the
      // application recovers from: before the fix, the head moved and the row was skipped.
      await runAs(tenantId, async (m) => {
        await m.query(`${INSERT} VALUES ($1, $2, 'read', 'client')`, [tenantId, ID(2)]);
        await m.query('SAVEPOINT retry');
        const state = await sqlstateOf(() => m.query(`${INSERT} VALUES ($1, $2, 'update', 'client') ON CONFLICT DO NOTHING`, [tenantId, ID(2)]));
        expect(state).toBe('23505');
        await m.query('ROLLBACK TO SAVEPOINT retry');
        await m.query(`${INSERT} VALUES ($1, $2, 'read', 'client')`, [tenantId, ID(3)]);
      });
      await expectLinkedExactly(tenantId, 3);
    });

    it('multi-row VALUES with a repeated key and ON CONFLICT DO NOTHING is refused whole', async () => {
      const tenantId = await newTenant();
      const error = await runAs(tenantId, (m) =>
        m.query(`${INSERT} VALUES ($1, $2, 'read', 'client'), ($1, $3, 'read', 'client'), ($1, $2, 'read', 'client') ON CONFLICT DO NOTHING`, [
          tenantId,
          ID(1),
          ID(2),
        ]),
      ).catch((caught: unknown) => caught as { code?: string; constraint?: string });
      expect(error).toMatchObject({ code: '23505', constraint: 'pk_user_action_audit_logs' });
      await expectLinkedExactly(tenantId, 0);
    });

    it('ON CONFLICT DO UPDATE is refused too (no UPDATE privilege, or the key check before the append-only trigger)', async () => {
      const tenantId = await newTenant();
      await runAs(tenantId, (m) => m.query(`${INSERT} VALUES ($1, $2, 'read', 'client')`, [tenantId, ID(1)]));
      const state = await sqlstateOf(() =>
        runAs(tenantId, async (m) => {
          await m.query(`${INSERT} VALUES ($1, $2, 'read', 'client')`, [tenantId, ID(2)]);
          await m.query(`${INSERT} VALUES ($1, $2, 'read', 'client') ON CONFLICT (tenant_id, occurred_at, id) DO UPDATE SET user_agent = 'x'`, [tenantId, ID(2)]);
        }),
      );
      expect(state).toBe(runAs === asApplication ? '42501' : '23505');
      await expectLinkedExactly(tenantId, 1);
    });

    it('multi-row VALUES and INSERT ... SELECT link every row, in order', async () => {
      const tenantId = await newTenant();
      await runAs(tenantId, (m) =>
        m.query(`${INSERT} VALUES ($1, $2, 'read', 'client'), ($1, $3, 'update', 'client'), ($1, $4, 'export', 'report')`, [tenantId, ID(1), ID(2), ID(3)]),
      );
      await runAs(tenantId, (m) => m.query(`INSERT INTO user_action_audit_logs (tenant_id, action, entity_type) SELECT $1, 'read', 'client' FROM generate_series(1, 5)`, [tenantId]));
      await expectLinkedExactly(tenantId, 8);
    });

    it('INSERT ... SELECT ... ON CONFLICT DO NOTHING that re-inserts recorded rows is refused', async () => {
      const tenantId = await newTenant();
      const state = await sqlstateOf(() =>
        runAs(tenantId, async (m) => {
          await m.query(`INSERT INTO user_action_audit_logs (tenant_id, action, entity_type) SELECT $1, 'read', 'client' FROM generate_series(1, 3)`, [tenantId]);
          await m.query(
            `INSERT INTO user_action_audit_logs (tenant_id, id, occurred_at, action, entity_type)
             SELECT tenant_id, id, occurred_at, action, entity_type FROM user_action_audit_logs WHERE tenant_id = $1
             ON CONFLICT DO NOTHING`,
            [tenantId],
          );
        }),
      );
      expect(state).toBe('23505');
      await expectLinkedExactly(tenantId, 0);
    });
  });

  it('COPY FROM STDIN: refused for the application role (row-level security), linked row by row for a superuser', async () => {
    const tenantId = await newTenant();
    const rows = [1, 2, 3].map((n) => `${tenantId}\t${ID(n)}\tread\tclient\n`).join('');
    const copy = `COPY user_action_audit_logs (tenant_id, id, action, entity_type) FROM STDIN`;

    const appClient = new Client({ connectionString: login.settings.url });
    await appClient.connect();
    try {
      await appClient.query('BEGIN');
      await enterTenant(appClient, tenantId);
      await expect(copyFromText(appClient, copy, rows)).rejects.toThrow(/row-level security/);
      await appClient.query('ROLLBACK');
    } finally {
      await appClient.end();
    }
    await expectLinkedExactly(tenantId, 0);

    const admin = new Client({ connectionString: db.settings.url });
    await admin.connect();
    try {
      expect(await copyFromText(admin, copy, rows)).toBe(3);
    } finally {
      await admin.end();
    }
    await expectLinkedExactly(tenantId, 3);
  });
});
