import { AuditLogName } from '../chain/chain-logs';
import { ChainEntry, CheckpointDocument, CheckpointHeader, checkpointProblems, headerDigest, parseCheckpoint } from './checkpoint-format';
import { CheckpointStore, checkpointNumber } from './checkpoint-store';
import { TrustedKeys } from './trusted-keys';

/** One chain's entry in one checkpoint. */
export interface SignedEntry {
  header: CheckpointHeader;
  entry: ChainEntry;
}

/**
 * Every checkpoint of a store that can be believed, with what is wrong with the store itself:
 * a number missing from 1..n (a checkpoint removed), a file that does not parse, a signature
 * that is not valid or not by a trusted key, a `previous` that is not the digest of the
 * checkpoint before (one replaced), another database's checkpoint.
 */
export class CheckpointHistory {
  private readonly byChain = new Map<string, SignedEntry[]>();

  constructor(
    readonly location: string,
    readonly checkpoints: CheckpointDocument[],
    readonly problems: string[],
    /** Highest number in the store, valid or not (the next checkpoint takes the one after). */
    readonly highestNumber: number,
  ) {
    for (const document of checkpoints) {
      for (const entry of document.chains) {
        const key = chainKey(entry.log, entry.chain);
        const list = this.byChain.get(key) ?? [];
        list.push({ header: document.header, entry });
        this.byChain.set(key, list);
      }
    }
  }

  get latest(): CheckpointDocument | null {
    return this.checkpoints[this.checkpoints.length - 1] ?? null;
  }

  /** The chain's entries in every believed checkpoint, oldest checkpoint first. */
  entries(log: AuditLogName, chain: string): SignedEntry[] {
    return this.byChain.get(chainKey(log, chain)) ?? [];
  }

  /** The chain's entry in the latest believed checkpoint. */
  latestEntry(log: AuditLogName, chain: string): SignedEntry | null {
    const latest = this.latest;
    const entry = latest?.chains.find((e) => e.log === log && e.chain === chain);
    return latest && entry ? { header: latest.header, entry } : null;
  }
}

const chainKey = (log: AuditLogName, chain: string) => `${log}\u0000${chain}`;

export async function loadCheckpointHistory(store: CheckpointStore, keys: TrustedKeys, database: string): Promise<CheckpointHistory> {
  const names = (await store.list()).map((name) => ({ name, number: checkpointNumber(name)! })).sort((a, b) => a.number - b.number);
  const problems: string[] = [];
  const believed: CheckpointDocument[] = [];
  const highest = names.length > 0 ? names[names.length - 1]!.number : 0;
  const present = new Set(names.map((n) => n.number));
  for (let n = 1; n <= highest; n++) if (!present.has(n)) problems.push(`checkpoint ${n} is missing from ${store.location}`);
  let previous: CheckpointDocument | null = null;
  for (const { name, number } of names) {
    let document: CheckpointDocument;
    try {
      document = parseCheckpoint(await store.get(name));
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      continue;
    }
    const own = checkpointProblems(document, keys);
    if (document.header.number !== number) own.push(`its header says number ${document.header.number}`);
    if (document.header.database !== database) own.push(`it is a checkpoint of database ${document.header.database}, not ${database}`);
    if (previous && previous.header.number === number - 1 && document.header.previous !== headerDigest(previous.header)) {
      own.push(`its previous digest is not checkpoint ${number - 1}'s: one of the two was replaced`);
    }
    if (previous && Date.parse(document.header.createdAt) < Date.parse(previous.header.createdAt)) own.push('it is dated before the checkpoint before it');
    if (own.length > 0) {
      problems.push(`checkpoint ${number}: ${own.join('; ')}`);
      continue;
    }
    believed.push(document);
    previous = document;
  }
  return new CheckpointHistory(store.location, believed, problems, highest);
}
