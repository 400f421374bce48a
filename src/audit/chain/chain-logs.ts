import { createHash } from 'node:crypto';

/** The two hash-chained audit logs. */
export const AUDIT_LOG_NAMES = ['user_action', 'system'] as const;
export type AuditLogName = (typeof AUDIT_LOG_NAMES)[number];

/**
 * One row as the database's reading functions return it (CreateAuditChainReading1754250062000):
 * every value as the text the row hash is computed from, so a verifier recomputes the hash
 * itself instead of trusting the database's hash function or verdict.
 */
export interface RawChainRow {
  chain_sequence: string;
  id: string;
  occurred_at: string;
  previous_hash: Buffer;
  row_hash: Buffer;
  [column: string]: string | Buffer | null;
}

/** What differs between the logs: names of their functions, and the order of the canonical form. */
export interface ChainLogDefinition {
  name: AuditLogName;
  /** What a chain is keyed by, for messages and proofs. */
  chainKey: 'tenant' | 'stream';
  headsFunction: string;
  rowsFunction: string;
  eventSequencesFunction: string;
  /** The canonical form's elements, in order; `chain_sequence` is a number, `details` nested JSON, the rest strings or null. */
  canonicalColumns: readonly string[];
  /** Where the chain key lives in the canonical form when the reading function does not return it. */
  chainColumn?: string;
}

export const CHAIN_LOGS: Readonly<Record<AuditLogName, ChainLogDefinition>> = {
  user_action: {
    name: 'user_action',
    chainKey: 'tenant',
    headsFunction: 'user_action_audit_log_chain_heads',
    rowsFunction: 'user_action_audit_log_chain_rows',
    eventSequencesFunction: 'user_action_audit_log_event_sequences',
    // audit_log_row_hash (CreateAuditLogChains1754250026000)
    canonicalColumns: ['tenant_id', 'id', 'chain_sequence', 'occurred_at', 'actor_user_id', 'action', 'entity_type', 'entity_id', 'details', 'request_id', 'ip_address', 'user_agent'],
  },
  system: {
    name: 'system',
    chainKey: 'stream',
    headsFunction: 'system_audit_log_chain_heads',
    rowsFunction: 'system_audit_log_chain_rows',
    eventSequencesFunction: 'system_audit_log_event_sequences',
    // system_audit_log_row_hash (CreateSystemAuditLog1754250060000)
    canonicalColumns: ['stream', 'id', 'chain_sequence', 'occurred_at', 'event_type', 'database_user', 'actor', 'subject_tenant_id', 'object_name', 'checksum', 'details'],
    chainColumn: 'stream',
  },
};

/**
 * The canonical text of a row, exactly as PostgreSQL's `jsonb_build_array(...)::text` writes it
 * in the row-hash functions: elements separated by ", ", strings escaped as JSON (PostgreSQL's
 * escape_json and JSON.stringify escape the same characters, the same way, for any text
 * PostgreSQL can store), NULL as null, the sequence as a bare number and `details` as its own
 * jsonb text. test/audit/canonical-form.test.ts holds the two to each other on random rows.
 */
export function canonicalRowText(log: ChainLogDefinition, chain: string, row: RawChainRow): string {
  const parts = log.canonicalColumns.map((column) => {
    const value = column === log.chainColumn ? chain : row[column];
    if (column === 'chain_sequence') return String(BigInt(row.chain_sequence));
    if (value === null || value === undefined) return 'null';
    if (column === 'details') return String(value);
    return JSON.stringify(String(value));
  });
  return `[${parts.join(', ')}]`;
}

/** sha256(previous_hash || UTF-8 canonical text): the row hash the chain trigger stores. */
export function computeRowHash(log: ChainLogDefinition, chain: string, row: RawChainRow): Buffer {
  return createHash('sha256').update(row.previous_hash).update(canonicalRowText(log, chain, row), 'utf8').digest();
}

/** 32 zero bytes: the previous hash of a chain's first row, and the anchor of a chain nothing was dropped from. */
export const ZERO_HASH = Buffer.alloc(32);
