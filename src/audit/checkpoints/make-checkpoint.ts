import { EntityManager } from 'typeorm';
import { AUDIT_LOG_NAMES, AuditLogName, CHAIN_LOGS } from '../chain/chain-logs';
import { ChainPoint, ChainProblem } from '../chain/chain-walker';
import { readChainHeads } from '../chain/read-chains';
import { walkStoredChain } from '../chain/walk-stored-chain';
import { anchorProblems } from '../verify/checkpoint-comparison';
import { ChainEntry, headerDigest, serializeCheckpoint, signCheckpoint } from './checkpoint-format';
import { CheckpointHistory, loadCheckpointHistory } from './checkpoint-history';
import { CheckpointStore, checkpointName } from './checkpoint-store';
import { MerkleAccumulator } from './merkle';
import { CheckpointSigner } from './signer';
import { TrustedKeys } from './trusted-keys';

export interface CheckpointOptions {
  store: CheckpointStore;
  signer: CheckpointSigner;
  /** Keys the existing checkpoints are checked with (the signer's own public key among them). */
  trustedKeys: TrustedKeys;
  /** The signer's clock. */
  now?: () => Date;
}

/** A chain the checkpoint did not advance, and why. */
export interface RefusedChain {
  log: AuditLogName;
  chain: string;
  problems: ChainProblem[];
}

export interface CheckpointRun {
  number: number;
  name: string;
  location: string;
  createdAt: string;
  database: string;
  chains: number;
  /** Chains whose entry this checkpoint signs anew (new rows, or a moved anchor). */
  advanced: number;
  /** Chains carried over unchanged from the previous checkpoint. */
  unchanged: number;
  /** Chains left at their previous entry (or left out) because they do not extend it intact. */
  refused: RefusedChain[];
  /** What is wrong with the store's earlier checkpoints. */
  storeProblems: string[];
}

const hex = (buffer: Buffer) => buffer.toString('hex');

/**
 * `audit-log checkpoint`, for a scheduler: signs every chain head of both audit logs with a key
 * the database never holds and writes the checkpoint to an append-only store outside the
 * database's authority.
 *
 * A chain is signed only when it extends its previous signed entry intact: the rows after it are
 * read and re-hashed here, must link, one by one, to the signed hash and end at the head; the
 * anchor may only have moved forward past rows already six years old. Otherwise the chain keeps
 * its previous entry (a rewritten or rewound chain is never signed over) and the run reports it.
 * Only the new rows are read, so a run costs what was recorded since the last one.
 */
export async function makeCheckpoint(manager: EntityManager, options: CheckpointOptions): Promise<CheckpointRun> {
  const now = options.now ?? (() => new Date());
  const [{ database }] = await manager.query(`SELECT current_database() AS database`);
  const history = await loadCheckpointHistory(options.store, options.trustedKeys, database);
  const previous = history.latest;
  const number = history.highestNumber + 1;
  const entries: ChainEntry[] = [];
  const refused: RefusedChain[] = [];
  let advanced = 0;
  let unchanged = 0;

  for (const log of AUDIT_LOG_NAMES) {
    const heads = await readChainHeads(manager, log);
    const seen = new Set<string>();
    for (const head of heads) {
      seen.add(head.chain);
      const signed = history.latestEntry(log, head.chain)?.entry ?? null;
      const outcome = await extendChain(manager, history, log, head, signed, number, now());
      if ('problems' in outcome) {
        refused.push({ log, chain: head.chain, problems: outcome.problems });
        if (signed) entries.push(signed);
      } else if (outcome.entry === signed) {
        unchanged++;
        entries.push(signed);
      } else {
        advanced++;
        entries.push(outcome.entry);
      }
    }
    for (const signed of previous?.chains.filter((e) => e.log === log && !seen.has(e.chain)) ?? []) {
      refused.push({
        log,
        chain: signed.chain,
        problems: [{ kind: 'checkpoint', sequence: signed.sequence, rowId: null, detail: `erased: the chain is gone from the database; checkpoint ${signed.signedIn} signed it up to ${signed.sequence}` }],
      });
      entries.push(signed);
    }
  }

  const createdAt = now().toISOString();
  const document = await signCheckpoint(
    { number, createdAt, database, previous: previous ? headerDigest(previous.header) : null },
    entries,
    options.signer,
  );
  const name = checkpointName(number);
  await options.store.put(name, serializeCheckpoint(document));
  return {
    number,
    name,
    location: options.store.location,
    createdAt,
    database,
    chains: entries.length,
    advanced,
    unchanged,
    refused,
    storeProblems: history.problems,
  };
}

/** The chain's new entry, its unchanged previous one, or the problems that stop it from being signed. */
async function extendChain(
  manager: EntityManager,
  history: CheckpointHistory,
  log: AuditLogName,
  head: { chain: string; hasHead: boolean; lastSequence: bigint; lastHash: Buffer; anchorSequence: bigint; anchorHash: Buffer },
  signed: ChainEntry | null,
  number: number,
  now: Date,
): Promise<{ entry: ChainEntry } | { problems: ChainProblem[] }> {
  const anchor: ChainPoint = { sequence: head.anchorSequence, hash: head.anchorHash };
  const problems = anchorProblems(anchor, history.entries(log, head.chain), now);
  // Start from the signed entry, unless retention has since moved the anchor past it.
  const fromSigned = signed !== null && BigInt(signed.sequence) >= head.anchorSequence;
  const start: ChainPoint = fromSigned ? { sequence: BigInt(signed.sequence), hash: Buffer.from(signed.hash, 'hex') } : anchor;
  const segment = new MerkleAccumulator();
  const walk = await walkStoredChain(manager, log, head.chain, start, head.hasHead ? { sequence: head.lastSequence, hash: head.lastHash } : null, {
    readAfter: start.sequence,
    startLabel: fromSigned ? `checkpoint ${signed.signedIn}` : 'the retention anchor',
    onLinked: (row) => segment.add(row.rowHash),
  });
  problems.push(...walk.problems);
  if (fromSigned && head.lastSequence < BigInt(signed.sequence)) {
    problems.push({
      kind: 'checkpoint',
      sequence: String(head.lastSequence + 1n),
      lastSequence: signed.sequence,
      rowId: null,
      detail: `rewound: the chain head is at ${head.lastSequence}, but checkpoint ${signed.signedIn} signed it up to ${signed.sequence}`,
    });
  }
  if (problems.length > 0) return { problems };
  // The oldest row kept: unchanged while the anchor stays; read again (one row) when it moved.
  const oldestAt =
    signed && signed.anchorSequence === String(head.anchorSequence)
      ? signed.oldestAt
      : await oldestRowTime(manager, log, head.chain, head.anchorSequence);
  const entry: ChainEntry = {
    log,
    chain: head.chain,
    sequence: String(head.lastSequence),
    hash: hex(head.lastHash),
    anchorSequence: String(head.anchorSequence),
    anchorHash: hex(head.anchorHash),
    segmentFrom: String(start.sequence + 1n),
    segmentSize: String(segment.size),
    segmentRoot: hex(segment.root()),
    oldestAt,
    signedIn: number,
  };
  if (signed && signed.sequence === entry.sequence && signed.anchorSequence === entry.anchorSequence && signed.anchorHash === entry.anchorHash) {
    return { entry: signed };
  }
  return { entry };
}

/** occurred_at of the chain's first row after the anchor, or null when there is none. */
async function oldestRowTime(manager: EntityManager, log: AuditLogName, chain: string, anchor: bigint): Promise<string | null> {
  const [row]: { occurred_at: string }[] = await manager.query(`SELECT occurred_at FROM ${CHAIN_LOGS[log].rowsFunction}($1, $2, $3, 1)`, [
    chain,
    String(anchor),
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
  ]);
  return row?.occurred_at ?? null;
}
