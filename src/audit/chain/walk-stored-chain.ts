import { EntityManager } from 'typeorm';
import { AuditLogName, CHAIN_LOGS, RawChainRow, computeRowHash } from './chain-logs';
import { ChainPoint, ChainWalkOptions, ChainWalkResult, ChainWalker, WalkedRow } from './chain-walker';
import { readChainRows } from './read-chains';

/** A stored row, hashed in Node, as the walker takes it. */
export function walkedRow(log: AuditLogName, chain: string, raw: RawChainRow): WalkedRow {
  const definition = CHAIN_LOGS[log];
  return {
    sequence: BigInt(raw.chain_sequence),
    id: raw.id,
    previousHash: raw.previous_hash,
    rowHash: raw.row_hash,
    contentMatches: computeRowHash(definition, chain, raw).equals(raw.row_hash),
    matchesAt: (sequence) => computeRowHash(definition, chain, { ...raw, chain_sequence: String(sequence) }).equals(raw.row_hash),
  };
}

/**
 * Reads a chain's rows after `readAfter` from the database and walks them from `start` to `head`.
 * Every hash is recomputed here, from the rows' text: the database's own hash function and its
 * verdict are never asked.
 */
export async function walkStoredChain(
  manager: EntityManager,
  log: AuditLogName,
  chain: string,
  start: ChainPoint,
  head: ChainPoint | null,
  options: ChainWalkOptions & { readAfter?: bigint } = {},
): Promise<ChainWalkResult> {
  const walker = new ChainWalker(start, head, options);
  for await (const raw of readChainRows(manager, log, chain, options.readAfter ?? -1n)) walker.push(walkedRow(log, chain, raw));
  return walker.finish();
}
