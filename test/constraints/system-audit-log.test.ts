import { SystemAuditLog, SystemAuditLogChain } from '../../src/entities';
import { outcomeOf, probeRule, RuleSamples, rulesOfTable } from '../support/rule-check';
import { useTestDatabase } from '../support/test-database';

function makeSystemEvent(overrides: Partial<SystemAuditLog> = {}): SystemAuditLog {
  return Object.assign(
    new SystemAuditLog(),
    { stream: 'audit', eventType: 'audit.constraint_test', actor: null, subjectTenantId: null, objectName: null, checksum: null, details: {} },
    overrides,
  );
}

describe('system_audit_log: database rules and class-validator agree', () => {
  const db = useTestDatabase();
  const tested = new Set<string>();
  const probe = async (samples: RuleSamples<SystemAuditLog>) => {
    tested.add(samples.rule);
    expect(await probeRule(db.dataSource, SystemAuditLog, () => makeSystemEvent(), samples)).toEqual([]);
  };

  it('system_audit_stream_enum: only the declared streams', () =>
    probe({ rule: 'system_audit_stream_enum', property: 'stream', accepted: ['migrations', 'platform', 'login', 'keys', 'break_glass', 'audit'], rejected: ['tenant', 'Platform', ''] }));

  it('chk_system_audit_log_event_type_format: two to four dotted snake_case words', () =>
    probe({
      rule: 'chk_system_audit_log_event_type_format',
      property: 'eventType',
      accepted: ['migration.run', 'platform.set_tenant_status', 'a.b.c.d', `a${'b'.repeat(40)}.c`],
      rejected: ['migration', 'Migration.run', 'migration.', '.run', 'a.b.c.d.e', 'migration run', `a${'b'.repeat(41)}.c`],
    }));

  it('chk_system_audit_log_actor_length: 1 to 200 characters, or nothing', () =>
    probe({ rule: 'chk_system_audit_log_actor_length', property: 'actor', accepted: [null, 'ops@example.org', 'x'.repeat(200)], rejected: ['', 'x'.repeat(201)] }));

  it('chk_system_audit_log_object_name_length: 1 to 300 characters, or nothing', () =>
    probe({ rule: 'chk_system_audit_log_object_name_length', property: 'objectName', accepted: [null, 'CreateTenants1754250020000', 'x'.repeat(300)], rejected: ['', 'x'.repeat(301)] }));

  it('chk_system_audit_log_checksum_length: 1 to 200 characters, or nothing', () =>
    probe({ rule: 'chk_system_audit_log_checksum_length', property: 'checksum', accepted: [null, 'f'.repeat(64)], rejected: ['', 'f'.repeat(201)] }));

  it('chk_system_audit_log_details_object: details is a JSON object', () =>
    probe({ rule: 'chk_system_audit_log_details_object', property: 'details', accepted: [{}, { reason: 'x' }], rejected: [[], 'text', 3] }));

  it('every CHECK, UNIQUE and FOREIGN KEY of the table is probed above (it has no foreign key: subject_tenant_id is no tenant key)', async () => {
    const untested = (await rulesOfTable(db.dataSource, 'system_audit_log')).filter((rule) => !tested.has(rule));
    expect(untested).toEqual([]);
  });
});

describe('system_audit_log_chains: the database keeps heads consistent', () => {
  const db = useTestDatabase();
  const zero = Buffer.alloc(32);
  const head = (overrides: Partial<SystemAuditLogChain> = {}) =>
    Object.assign(new SystemAuditLogChain(), { stream: 'keys', lastSequence: '0', lastHash: zero, anchorSequence: '0', anchorHash: zero }, overrides);
  const insert = (row: SystemAuditLogChain) =>
    outcomeOf(() =>
      db.dataSource.transaction(async (manager) => {
        await manager.insert(SystemAuditLogChain, row);
        throw new Error('accepted');
      }),
    ).then((outcome) => (outcome === 'rejected: accepted' ? 'accepted' : outcome));

  it('every rule of the table', async () => {
    expect(await insert(head({ lastSequence: '-1' }))).toContain('chk_system_audit_log_chains_sequences');
    expect(await insert(head({ anchorSequence: '3', lastSequence: '2' }))).toContain('chk_system_audit_log_chains_sequences');
    expect(await insert(head({ lastHash: Buffer.alloc(31) }))).toContain('chk_system_audit_log_chains_hash_length');
    expect(await insert(head({ stream: 'nope' as never }))).toContain('system_audit_stream_enum');
    expect(await insert(head({ anchorSequence: '2', lastSequence: '2' }))).toBe('accepted');
    expect((await rulesOfTable(db.dataSource, 'system_audit_log_chains')).sort()).toEqual(['chk_system_audit_log_chains_hash_length', 'chk_system_audit_log_chains_sequences']);
  });
});
