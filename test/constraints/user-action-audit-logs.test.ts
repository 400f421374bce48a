import { UserActionAuditLog, UserActionAuditLogChain } from '../../src/entities';
import { makeTenant, unknownId } from '../support/factories';
import { withForeignKeysDisabled } from '../support/foreign-keys';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

function makeAuditLog(tenantId: string, overrides: Partial<UserActionAuditLog> = {}): UserActionAuditLog {
  return Object.assign(
    new UserActionAuditLog(),
    {
      tenantId,
      actorUserId: null,
      action: 'read',
      entityType: 'client',
      entityId: null,
      details: {},
      requestId: null,
      ipAddress: null,
      userAgent: null,
    },
    overrides,
  );
}

describe('user_action_audit_logs: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  let tenantId: string;
  const tested = new Set<string>();
  const probe = async (samples: RuleSamples<UserActionAuditLog>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, UserActionAuditLog, () => makeAuditLog(tenantId), samples)).toEqual([]);
  };

  beforeAll(async () => {
    tenantId = (await db.dataSource.manager.save(makeTenant())).id;
  });

  it('audit_action_enum: only the declared actions', () =>
    probe({ rule: 'audit_action_enum', property: 'action', accepted: ['create', 'read', 'update', 'delete', 'restore', 'login', 'logout', 'login_failed', 'export', 'print', 'share', 'permission_change', 'break_glass'], rejected: ['hack', 'READ', ''] }));

  it('chk_user_action_audit_logs_entity_type_format: a snake_case name of at most 63 characters', () =>
    probe({
      rule: 'chk_user_action_audit_logs_entity_type_format',
      property: 'entityType',
      accepted: ['client', 'facility_staff', 'a', `a${'b'.repeat(62)}`],
      rejected: ['', 'Client', 'client record', '1client', 'client-record', `a${'b'.repeat(63)}`],
    }));

  it('chk_user_action_audit_logs_details_object: details is a JSON object', () =>
    probe({
      rule: 'chk_user_action_audit_logs_details_object',
      property: 'details',
      accepted: [{}, { changed: ['status'] }],
      rejected: [[], 'text', 3],
    }));

  it('chk_user_action_audit_logs_request_id_length: 1 to 200 characters, or nothing', () =>
    probe({
      rule: 'chk_user_action_audit_logs_request_id_length',
      property: 'requestId',
      accepted: [null, 'r', 'x'.repeat(200)],
      rejected: ['', 'x'.repeat(201)],
    }));

  it('chk_user_action_audit_logs_user_agent_length: at most 1000 characters', () =>
    probe({
      rule: 'chk_user_action_audit_logs_user_agent_length',
      property: 'userAgent',
      accepted: [null, '', 'x'.repeat(1000)],
      rejected: ['x'.repeat(1001)],
    }));

  it('inet: an IP address, v4 or v6', () =>
    probe({
      rule: 'inet',
      property: 'ipAddress',
      accepted: [null, '192.0.2.1', '2001:db8::1'],
      rejected: ['example.org', '300.1.1.1'],
    }));

  it('fk_user_action_audit_logs_tenant_id: the tenant must exist', async () => {
    tested.add('fk_user_action_audit_logs_tenant_id');
    // The chain trigger first creates the unknown tenant's chain head, whose own key fails
    // first; with that key off (in a rolled-back transaction) this table's key shows.
    const outcome = await withForeignKeysDisabled(
      db.dataSource,
      'user_action_audit_log_chains',
      ['fk_user_action_audit_log_chains_tenant_id'],
      (runner) => outcomeOf(() => runner.manager.insert(UserActionAuditLog, makeAuditLog(unknownId()))),
    );
    expect(outcome).toContain('fk_user_action_audit_logs_tenant_id');
  });

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above', async () => {
    const untested = (await rulesOfTable(db.dataSource, 'user_action_audit_logs')).filter((rule) => !tested.has(rule));
    expect(untested).toEqual([]);
  });
});

describe('user_action_audit_log_chains: the database keeps heads consistent', () => {
  const db = useTestDatabase();
  const zero = Buffer.alloc(32);
  const head = (tenantId: string, overrides: Partial<UserActionAuditLogChain> = {}) =>
    Object.assign(
      new UserActionAuditLogChain(),
      { tenantId, lastSequence: '0', lastHash: zero, anchorSequence: '0', anchorHash: zero },
      overrides,
    );
  const insert = (row: UserActionAuditLogChain) => outcomeOf(() => db.dataSource.manager.insert(UserActionAuditLogChain, row));
  const newTenant = async () => (await db.dataSource.manager.save(makeTenant())).id;

  it('every rule of the table', async () => {
    expect(await insert(head(await newTenant(), { lastSequence: '-1' }))).toContain('chk_user_action_audit_log_chains_sequences');
    expect(await insert(head(await newTenant(), { anchorSequence: '3', lastSequence: '2' }))).toContain(
      'chk_user_action_audit_log_chains_sequences',
    );
    expect(await insert(head(await newTenant(), { lastHash: Buffer.alloc(31) }))).toContain(
      'chk_user_action_audit_log_chains_hash_length',
    );
    expect(await insert(head(unknownId()))).toContain('fk_user_action_audit_log_chains_tenant_id');
    expect(await insert(head(await newTenant(), { anchorSequence: '2', lastSequence: '2' }))).toBe('accepted');
    expect((await rulesOfTable(db.dataSource, 'user_action_audit_log_chains')).sort()).toEqual([
      'chk_user_action_audit_log_chains_hash_length',
      'chk_user_action_audit_log_chains_sequences',
      'fk_user_action_audit_log_chains_tenant_id',
    ]);
  });
});
