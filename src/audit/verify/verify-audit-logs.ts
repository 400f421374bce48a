import { EntityManager } from 'typeorm';
import { AUDIT_LOG_NAMES, AuditLogName } from '../chain/chain-logs';
import { ChainPoint, ChainProblem } from '../chain/chain-walker';
import { ChainHead, readChainHeads } from '../chain/read-chains';
import { walkStoredChain } from '../chain/walk-stored-chain';
import { CheckpointHistory } from '../checkpoints/checkpoint-history';
import { anchorProblems, checkpointProblems } from './checkpoint-comparison';

/** One chain's verdict. */
export interface ChainReport {
  log: AuditLogName;
  /** The tenant id (user_action) or the stream (system). */
  chain: string;
  intact: boolean;
  /** Rows read above the retention anchor. */
  rows: number;
  head: { sequence: string; hash: string } | null;
  anchor: { sequence: string; hash: string } | null;
  /** The latest signed entry this chain was checked against. */
  checkpoint: { number: number; createdAt: string; sequence: string } | null;
  /** Rows after the latest signed sequence: held only by the chain itself until the next checkpoint. */
  uncheckpointedRows: string;
  problems: ChainProblem[];
}

export interface VerificationReport {
  database: string;
  checkedAt: string;
  /** The checkpoints verification used; null when run without them. */
  checkpoints: { location: string; count: number; latest: { number: number; createdAt: string; keyId: string } | null; problems: string[] } | null;
  chains: ChainReport[];
  /** No problem in any chain, nor in the checkpoint store. */
  intact: boolean;
  /** Intact as far as the database shows, but no signed checkpoint exists to hold it to. */
  unverified: boolean;
}

export interface VerifyOptions {
  /** The checkpoints to hold the chains to; null verifies the chains against themselves only. */
  history: CheckpointHistory | null;
  logs?: readonly AuditLogName[];
  /** Only these chains of the chosen logs (tenant ids, stream names). */
  chains?: readonly string[];
  now?: Date;
}

const hex = (buffer: Buffer) => buffer.toString('hex');

/**
 * Verifies the audit logs: every chain (or the chosen ones), every problem of each with its row
 * and reason, never stopping at the first. Each chain is read from the database, re-hashed here,
 * walked from its retention anchor to its head (chain-walker.ts), and held to the latest signed
 * checkpoints: a chain rewritten, rewound, re-anchored or erased since is reported even when it
 * is consistent in itself, which is what the table owner or a superuser could make it.
 *
 * Reads every row of every chain: run it from a job or the CLI, as the audit tables' owner or a
 * login granted foundation_audit_reader.
 */
export async function verifyAuditLogs(manager: EntityManager, options: VerifyOptions): Promise<VerificationReport> {
  const now = options.now ?? new Date();
  const [{ database }] = await manager.query(`SELECT current_database() AS database`);
  const history = options.history;
  const chains: ChainReport[] = [];
  for (const log of options.logs ?? AUDIT_LOG_NAMES) {
    const heads = new Map((await readChainHeads(manager, log)).map((head) => [head.chain, head]));
    const names = new Set([...heads.keys(), ...(history?.latest?.chains.filter((e) => e.log === log).map((e) => e.chain) ?? [])]);
    for (const chain of [...names].sort()) {
      if (options.chains && !options.chains.includes(chain)) continue;
      chains.push(await verifyChain(manager, log, chain, heads.get(chain) ?? null, history, now));
    }
  }
  const storeProblems = history?.problems ?? [];
  const intact = storeProblems.length === 0 && chains.every((chain) => chain.intact);
  return {
    database,
    checkedAt: now.toISOString(),
    checkpoints: history
      ? {
          location: history.location,
          count: history.checkpoints.length,
          latest: history.latest ? { number: history.latest.header.number, createdAt: history.latest.header.createdAt, keyId: history.latest.header.keyId } : null,
          problems: storeProblems,
        }
      : null,
    chains,
    intact,
    unverified: intact && history !== null && history.latest === null && chains.some((chain) => chain.rows > 0),
  };
}

async function verifyChain(
  manager: EntityManager,
  log: AuditLogName,
  chain: string,
  head: ChainHead | null,
  history: CheckpointHistory | null,
  now: Date,
): Promise<ChainReport> {
  const entries = history?.entries(log, chain) ?? [];
  const latest = history?.latestEntry(log, chain) ?? null;
  const report = (fields: Partial<ChainReport> & { problems: ChainProblem[] }): ChainReport => ({
    log,
    chain,
    intact: fields.problems.length === 0,
    rows: 0,
    head: null,
    anchor: null,
    checkpoint: latest ? { number: latest.header.number, createdAt: latest.header.createdAt, sequence: latest.entry.sequence } : null,
    uncheckpointedRows: '0',
    ...fields,
  });
  if (head === null) {
    return report({
      problems: [
        {
          kind: 'checkpoint',
          sequence: latest!.entry.sequence,
          rowId: null,
          detail: `erased: the chain is gone from the database (no head, no rows); checkpoint ${latest!.header.number} (signed ${latest!.header.createdAt}) signed it up to ${latest!.entry.sequence}`,
        },
      ],
    });
  }
  const anchor: ChainPoint = { sequence: head.anchorSequence, hash: head.anchorHash };
  const watch = new Set(entries.map((e) => BigInt(e.entry.sequence)));
  const walk = await walkStoredChain(manager, log, chain, anchor, head.hasHead ? { sequence: head.lastSequence, hash: head.lastHash } : null, { watch });
  const problems = [...walk.problems, ...anchorProblems(anchor, entries, now), ...checkpointProblems(anchor, walk.lastSequence, walk.hashes, entries)];
  const signedTo = latest ? BigInt(latest.entry.sequence) : anchor.sequence;
  return report({
    rows: walk.rows,
    head: head.hasHead ? { sequence: String(head.lastSequence), hash: hex(head.lastHash) } : null,
    anchor: { sequence: String(head.anchorSequence), hash: hex(head.anchorHash) },
    uncheckpointedRows: String(walk.lastSequence > signedTo ? walk.lastSequence - signedTo : 0n),
    problems,
  });
}
