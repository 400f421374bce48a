import { EntityManager } from 'typeorm';
import { AuditLogName, CHAIN_LOGS, RawChainRow, ZERO_HASH } from './chain-logs';

/** A chain's head and retention anchor as the database holds them (ordinary rows: evidence, not proof). */
export interface ChainHead {
  log: AuditLogName;
  chain: string;
  /** False when rows exist but the head row is gone. */
  hasHead: boolean;
  lastSequence: bigint;
  lastHash: Buffer;
  anchorSequence: bigint;
  anchorHash: Buffer;
}

/** Rows are read in batches of this many, in (chain_sequence, id) order. */
export const CHAIN_READ_BATCH = 5000;

/**
 * Every chain of a log with a head or rows. Through the maintainer's reading function, so it
 * works for the audit tables' owner and for a login granted foundation_audit_reader.
 */
export async function readChainHeads(manager: EntityManager, log: AuditLogName): Promise<ChainHead[]> {
  const rows: { chain: string; has_head: boolean; last_sequence: string | null; last_hash: Buffer | null; anchor_sequence: string | null; anchor_hash: Buffer | null }[] =
    await manager.query(`SELECT * FROM ${CHAIN_LOGS[log].headsFunction}()`);
  return rows.map((row) => ({
    log,
    chain: row.chain,
    hasHead: row.has_head,
    lastSequence: BigInt(row.last_sequence ?? 0),
    lastHash: row.last_hash ?? ZERO_HASH,
    anchorSequence: BigInt(row.anchor_sequence ?? 0),
    anchorHash: row.anchor_hash ?? ZERO_HASH,
  }));
}

/**
 * A chain's rows with chain_sequence > `after` (all of them, duplicates included), in
 * (chain_sequence, id) order, batch by batch, so a long chain never sits in memory whole.
 */
export async function* readChainRows(manager: EntityManager, log: AuditLogName, chain: string, after: bigint, through?: bigint): AsyncGenerator<RawChainRow> {
  let afterSequence = after;
  // (after, the nil uuid) precedes every row of sequence after + 1; rows of sequence `after`
  // itself that come back are skipped below.
  let afterId = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows: RawChainRow[] = await manager.query(`SELECT * FROM ${CHAIN_LOGS[log].rowsFunction}($1, $2, $3, $4)`, [
      chain,
      String(afterSequence),
      afterId,
      CHAIN_READ_BATCH,
    ]);
    for (const row of rows) {
      const sequence = BigInt(row.chain_sequence);
      if (sequence <= after) continue;
      if (through !== undefined && sequence > through) return;
      yield row;
    }
    if (rows.length < CHAIN_READ_BATCH) return;
    const last = rows[rows.length - 1]!;
    afterSequence = BigInt(last.chain_sequence);
    afterId = last.id;
  }
}

/** Where an event sits in its chain: usually one sequence, several only if rows were forged. */
export async function eventSequences(manager: EntityManager, log: AuditLogName, chain: string, eventId: string): Promise<bigint[]> {
  const rows: Record<string, string>[] = await manager.query(`SELECT s FROM ${CHAIN_LOGS[log].eventSequencesFunction}($1, $2) AS s`, [chain, eventId]);
  return rows.map((row) => BigInt(row.s!));
}
