import fc from 'fast-check';
import { recordAuditEvent, recordSystemEvent } from '../../src/audit';
import { CHAIN_LOGS, RawChainRow, canonicalRowText, computeRowHash } from '../../src/audit/chain/chain-logs';
import { makeTenant } from '../support/factories';
import { useTestDatabase } from '../support/test-database';

/** Text PostgreSQL can store: any Unicode scalar value but NUL (quotes, backslashes, control characters, U+2028...). */
const storableText = (max: number) => fc.string({ unit: 'grapheme', maxLength: max }).map((text) => text.replace(/\u0000/g, ''));

/** JSON objects as details: nested values, numbers with fractions and exponents, odd keys. */
const details = fc.dictionary(
  storableText(12),
  fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    storableText(20),
    fc.array(fc.oneof(fc.integer(), storableText(8)), { maxLength: 4 }),
    fc.dictionary(storableText(5), fc.oneof(fc.integer(), storableText(5)), { maxKeys: 3 }),
  ),
  { maxKeys: 6 },
);

/**
 * Verification recomputes every row hash in Node (chain-logs.ts) instead of trusting the
 * database's hash function. That holds only if Node writes exactly the text PostgreSQL's
 * `jsonb_build_array(...)::text` writes: held to each other here on random rows of both logs.
 */
describe("Node's canonical row text is PostgreSQL's", () => {
  const db = useTestDatabase();

  it('for random user-action events: the same text, so the same hash as the chain trigger stored', async () => {
    const tenantId = (await db.dataSource.manager.save(makeTenant())).id;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          details,
          requestId: fc.option(storableText(40).filter((text) => text.length > 0), { nil: null }),
          userAgent: fc.option(storableText(60), { nil: null }),
          ipAddress: fc.option(fc.oneof(fc.ipV4(), fc.ipV6()), { nil: null }),
          entityType: fc.constantFrom('client', 'facility', 'session_report'),
          action: fc.constantFrom('read', 'update', 'export', 'break_glass' as const),
        }),
        async (event) => {
          const recorded = await recordAuditEvent(db.dataSource.manager, { tenantId, ...event, action: event.action as 'read' });
          const [raw]: (RawChainRow & { sql_text: string })[] = await db.dataSource.query(
            `SELECT r.*, (SELECT jsonb_build_array(l.tenant_id, l.id, l.chain_sequence,
                             to_char(l.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), l.actor_user_id, l.action, l.entity_type,
                             l.entity_id, l.details, l.request_id, l.ip_address::text, l.user_agent)::text
                           FROM user_action_audit_logs l WHERE l.tenant_id = $1 AND l.id = $2) AS sql_text
             FROM user_action_audit_log_chain_rows($1, $3::bigint - 1, 'ffffffff-ffff-ffff-ffff-ffffffffffff', 1) r`,
            [tenantId, recorded.id, recorded.chainSequence],
          );
          expect(raw!.id).toBe(recorded.id);
          expect(canonicalRowText(CHAIN_LOGS.user_action, tenantId, raw!)).toBe(raw!.sql_text);
          expect(computeRowHash(CHAIN_LOGS.user_action, tenantId, raw!).equals(raw!.row_hash)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('for random system events', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ details, actor: fc.option(storableText(30).filter((t) => t.length > 0), { nil: null }), objectName: fc.option(storableText(30).filter((t) => t.length > 0), { nil: null }) }), async (event) => {
        const recorded = await recordSystemEvent(db.dataSource.manager, { stream: 'audit', eventType: 'audit.canonical_test', ...event });
        const [raw]: RawChainRow[] = await db.dataSource.query(`SELECT * FROM system_audit_log_chain_rows('audit', $1::bigint - 1, 'ffffffff-ffff-ffff-ffff-ffffffffffff', 1)`, [
          recorded.chainSequence,
        ]);
        expect(raw!.id).toBe(recorded.id);
        expect(computeRowHash(CHAIN_LOGS.system, 'audit', raw!).equals(raw!.row_hash)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
