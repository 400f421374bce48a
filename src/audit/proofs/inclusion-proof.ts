import { EntityManager } from 'typeorm';
import { AuditLogName, CHAIN_LOGS, RawChainRow, computeRowHash } from '../chain/chain-logs';
import { eventSequences, readChainRows } from '../chain/read-chains';
import { ChainEntry, CheckpointHeader, entryLeaf, entryPath, headerBytes } from '../checkpoints/checkpoint-format';
import { CheckpointHistory } from '../checkpoints/checkpoint-history';
import { auditPath, merkleRoot, verifyInclusion } from '../checkpoints/merkle';
import { TrustedKeys } from '../checkpoints/trusted-keys';

export const INCLUSION_PROOF_FORMAT = 'foundation-db/audit-inclusion-proof/1';

/**
 * That one event is in the audit log as a signed checkpoint holds it, checkable by anyone with
 * the proof and the signer's public key, without the database: the event's values (from which
 * its row hash is recomputed), its audit path to its chain entry's segment root, that entry's
 * path to the checkpoint's root of entries, and the signed checkpoint header.
 */
export interface InclusionProof {
  format: typeof INCLUSION_PROOF_FORMAT;
  log: AuditLogName;
  chain: string;
  /** The stored row's values as text (hashes in hex), as the canonical form uses them. */
  event: Record<string, string | null>;
  sequence: string;
  leafIndex: number;
  segmentPath: string[];
  entry: ChainEntry;
  entryIndex: number;
  entryPath: string[];
  checkpoint: { header: CheckpointHeader; signature: string };
}

export class ProofUnavailableError extends Error {
  constructor(
    message: string,
    /** unknown-event: no such event; not-covered: no checkpoint yet; tampered: the stored rows no longer match. */
    readonly reason: 'unknown-event' | 'not-covered' | 'tampered',
  ) {
    super(message);
    this.name = 'ProofUnavailableError';
  }
}

/** Builds the proof for one event from the database and the checkpoints (which must cover it). */
export async function proveEvent(
  manager: EntityManager,
  history: CheckpointHistory,
  target: { log: AuditLogName; chain: string; eventId: string },
): Promise<InclusionProof> {
  const { log, chain, eventId } = target;
  const sequences = await eventSequences(manager, log, chain, eventId);
  if (sequences.length === 0) throw new ProofUnavailableError(`no event ${eventId} in ${log} chain ${chain}`, 'unknown-event');
  if (sequences.length > 1) throw new ProofUnavailableError(`event ${eventId} is stored at sequences ${sequences.join(', ')}: the chain is not intact (run verify)`, 'tampered');
  const sequence = sequences[0]!;
  const checkpoint = [...history.checkpoints].reverse().find((document) =>
    document.chains.some((e) => e.log === log && e.chain === chain && BigInt(e.segmentFrom) <= sequence && sequence <= BigInt(e.sequence)),
  );
  if (!checkpoint) {
    const latest = history.latestEntry(log, chain);
    throw new ProofUnavailableError(
      `event ${eventId} (sequence ${sequence}) is not covered by a checkpoint yet` +
        (latest ? ` (the latest signs ${log} chain ${chain} up to ${latest.entry.sequence})` : '') +
        ': run npm run audit-log -- checkpoint',
      'not-covered',
    );
  }
  const entry = checkpoint.chains.find((e) => e.log === log && e.chain === chain)!;
  const from = BigInt(entry.segmentFrom);
  const leaves: Buffer[] = [];
  let event: RawChainRow | undefined;
  let expected = from;
  for await (const row of readChainRows(manager, log, chain, from - 1n, BigInt(entry.sequence))) {
    if (BigInt(row.chain_sequence) !== expected) throw new ProofUnavailableError(`the rows signed by checkpoint ${checkpoint.header.number} are no longer stored as signed (at sequence ${row.chain_sequence}): run verify`, 'tampered');
    leaves.push(row.row_hash);
    if (expected === sequence) event = row;
    expected++;
  }
  if (String(leaves.length) !== entry.segmentSize || merkleRoot(leaves).toString('hex') !== entry.segmentRoot || !event) {
    throw new ProofUnavailableError(`the rows signed by checkpoint ${checkpoint.header.number} no longer hash to its segment root: run verify`, 'tampered');
  }
  const leafIndex = Number(sequence - from);
  const { index, path } = entryPath(checkpoint, entry);
  return {
    format: INCLUSION_PROOF_FORMAT,
    log,
    chain,
    event: Object.fromEntries(Object.entries(event).map(([key, value]) => [key, Buffer.isBuffer(value) ? value.toString('hex') : (value as string | null)])),
    sequence: String(sequence),
    leafIndex,
    segmentPath: auditPath(leaves, leafIndex).map((node) => node.toString('hex')),
    entry,
    entryIndex: index,
    entryPath: path,
    checkpoint: { header: checkpoint.header, signature: checkpoint.signature },
  };
}

/** Why the proof does not hold (empty when it does). Needs nothing but the proof and trusted public keys. */
export function inclusionProofProblems(proof: InclusionProof, keys: TrustedKeys): string[] {
  const problems: string[] = [];
  if (proof.format !== INCLUSION_PROOF_FORMAT) return [`unknown proof format ${String(proof.format)}`];
  const definition = CHAIN_LOGS[proof.log];
  if (!definition) return [`unknown log ${String(proof.log)}`];
  const raw = {
    ...proof.event,
    previous_hash: Buffer.from(proof.event.previous_hash ?? '', 'hex'),
    row_hash: Buffer.from(proof.event.row_hash ?? '', 'hex'),
  } as RawChainRow;
  const rowHash = computeRowHash(definition, proof.chain, raw);
  if (!rowHash.equals(raw.row_hash)) problems.push("the event's values do not hash to its row hash");
  if (raw.chain_sequence !== proof.sequence) problems.push('the event is not at the sequence the proof names');
  if (proof.log === 'user_action' && proof.event.tenant_id !== proof.chain) problems.push("the event is not the chain's tenant's");
  const { entry, checkpoint } = proof;
  if (entry.log !== proof.log || entry.chain !== proof.chain) problems.push('the chain entry is for another chain');
  if (BigInt(entry.segmentFrom) + BigInt(proof.leafIndex) !== BigInt(proof.sequence)) problems.push("the leaf index does not match the event's sequence");
  const segmentPath = proof.segmentPath.map((node) => Buffer.from(node, 'hex'));
  if (!verifyInclusion(raw.row_hash, proof.leafIndex, Number(entry.segmentSize), segmentPath, Buffer.from(entry.segmentRoot, 'hex'))) {
    problems.push("the event's row hash is not in the chain entry's segment");
  }
  const entryNodes = proof.entryPath.map((node) => Buffer.from(node, 'hex'));
  if (!verifyInclusion(entryLeaf(entry), proof.entryIndex, checkpoint.header.chainCount, entryNodes, Buffer.from(checkpoint.header.chainsRoot, 'hex'))) {
    problems.push('the chain entry is not in the checkpoint');
  }
  if (!keys.verify(headerBytes(checkpoint.header), Buffer.from(checkpoint.signature, 'base64'), checkpoint.header.keyId, checkpoint.header.algorithm)) {
    problems.push(keys.ids.includes(checkpoint.header.keyId) ? "the checkpoint's signature is not valid" : `the checkpoint is signed by ${checkpoint.header.keyId}, which is not a trusted key`);
  }
  return problems;
}
