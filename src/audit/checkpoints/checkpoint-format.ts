import { createHash } from 'node:crypto';
import { AUDIT_LOG_NAMES, AuditLogName } from '../chain/chain-logs';
import { canonicalJson } from './canonical-json';
import { auditPath, merkleRoot } from './merkle';
import { CheckpointSigner } from './signer';
import { TrustedKeys } from './trusted-keys';

export const CHECKPOINT_FORMAT = 'foundation-db/audit-checkpoint/1';

/**
 * One chain's state as a checkpoint signs it. Sequences are decimal strings, hashes hex.
 * `segment*` is the Merkle tree (merkle.ts) over the stored row hashes of sequences
 * segmentFrom .. sequence, the rows this entry added to the chain's previous entry: an event's
 * inclusion proof is its audit path in that tree plus this entry's path in the checkpoint.
 */
export interface ChainEntry {
  log: AuditLogName;
  chain: string;
  sequence: string;
  hash: string;
  anchorSequence: string;
  anchorHash: string;
  segmentFrom: string;
  segmentSize: string;
  segmentRoot: string;
  /**
   * occurred_at (UTC) of the oldest row kept, the one after the anchor, when this entry was
   * signed; null when retention had dropped them all. Retention can drop a row only once it is
   * six years old, so an anchor later moved past a younger one was not moved by retention.
   */
  oldestAt: string | null;
  /** Number of the checkpoint that first signed this entry (later ones carry it unchanged). */
  signedIn: number;
}

/** What is signed: everything about the checkpoint, the chain entries through their Merkle root. */
export interface CheckpointHeader {
  format: typeof CHECKPOINT_FORMAT;
  /** 1, 2, 3... per store; the file name carries it too. */
  number: number;
  /** The signer's clock (ISO 8601), not the database's. */
  createdAt: string;
  /** current_database() of the database checkpointed. */
  database: string;
  /** SHA-256 (hex) of the previous checkpoint's signed header; null for the first. */
  previous: string | null;
  chainCount: number;
  chainsRoot: string;
  keyId: string;
  algorithm: string;
}

export interface CheckpointDocument {
  header: CheckpointHeader;
  /** Base64 signature over canonicalJson(header). */
  signature: string;
  chains: ChainEntry[];
}

const compareEntries = (a: ChainEntry, b: ChainEntry) =>
  AUDIT_LOG_NAMES.indexOf(a.log) - AUDIT_LOG_NAMES.indexOf(b.log) || (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0);

export const sortEntries = (entries: ChainEntry[]) => [...entries].sort(compareEntries);

export const entryLeaf = (entry: ChainEntry) => Buffer.from(canonicalJson(entry), 'utf8');

export const chainsRootOf = (entries: ChainEntry[]) => merkleRoot(sortEntries(entries).map(entryLeaf)).toString('hex');

export const headerBytes = (header: CheckpointHeader) => Buffer.from(canonicalJson(header), 'utf8');

/** What the next checkpoint's `previous` names. */
export const headerDigest = (header: CheckpointHeader) => createHash('sha256').update(headerBytes(header)).digest('hex');

/** The audit path of one entry in its checkpoint's tree of entries. */
export function entryPath(document: CheckpointDocument, entry: ChainEntry): { index: number; path: string[] } {
  const entries = sortEntries(document.chains);
  const index = entries.findIndex((e) => e.log === entry.log && e.chain === entry.chain);
  if (index < 0) throw new Error(`checkpoint ${document.header.number} has no entry for ${entry.log} chain ${entry.chain}`);
  return { index, path: auditPath(entries.map(entryLeaf), index).map((node) => node.toString('hex')) };
}

export async function signCheckpoint(
  fields: Pick<CheckpointHeader, 'number' | 'createdAt' | 'database' | 'previous'>,
  chains: ChainEntry[],
  signer: CheckpointSigner,
): Promise<CheckpointDocument> {
  const sorted = sortEntries(chains);
  const header: CheckpointHeader = {
    format: CHECKPOINT_FORMAT,
    ...fields,
    chainCount: sorted.length,
    chainsRoot: chainsRootOf(sorted),
    keyId: signer.keyId,
    algorithm: signer.algorithm,
  };
  const signature = await signer.sign(headerBytes(header));
  return { header, signature: signature.toString('base64'), chains: sorted };
}

export function serializeCheckpoint(document: CheckpointDocument): Buffer {
  return Buffer.from(`${JSON.stringify(document, null, 2)}\n`, 'utf8');
}

/** Parses a checkpoint file; throws naming what is malformed. */
export function parseCheckpoint(bytes: Buffer): CheckpointDocument {
  const value = JSON.parse(bytes.toString('utf8')) as CheckpointDocument;
  if (!value || typeof value !== 'object' || !value.header || !Array.isArray(value.chains) || typeof value.signature !== 'string') {
    throw new Error('not a checkpoint document (header, signature, chains)');
  }
  if (value.header.format !== CHECKPOINT_FORMAT) throw new Error(`unknown checkpoint format ${String(value.header.format)}`);
  return value;
}

/** Why a checkpoint cannot be believed (empty when it can): its entries and its signature. */
export function checkpointProblems(document: CheckpointDocument, keys: TrustedKeys): string[] {
  const problems: string[] = [];
  const { header } = document;
  if (header.chainCount !== document.chains.length) problems.push(`says ${header.chainCount} chains but lists ${document.chains.length}`);
  if (chainsRootOf(document.chains) !== header.chainsRoot) problems.push('its chain entries do not hash to the signed root');
  if (!keys.verify(headerBytes(header), Buffer.from(document.signature, 'base64'), header.keyId, header.algorithm)) {
    problems.push(keys.ids.includes(header.keyId) ? 'its signature is not valid' : `it is signed by ${header.keyId}, which is not a trusted key`);
  }
  return problems;
}
