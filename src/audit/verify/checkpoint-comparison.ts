import { ChainPoint, ChainProblem } from '../chain/chain-walker';
import { SignedEntry } from '../checkpoints/checkpoint-history';

/** HIPAA keeps audit records six years (45 CFR 164.316(b)(2)); retention never drops younger rows. */
export const RETENTION_YEARS = 6;

const yearsBefore = (date: Date, years: number) => {
  const earlier = new Date(date);
  earlier.setUTCFullYear(earlier.getUTCFullYear() - years);
  return earlier;
};

const signedBy = (signed: SignedEntry) => `checkpoint ${signed.header.number} (signed ${signed.header.createdAt})`;

/**
 * What the database's retention anchor says against the checkpoints: an anchor never moves back,
 * keeps the hash signed for its sequence, and moves forward only past rows that were already six
 * years old. That last one is told from signed dates: the time of the oldest row kept when the
 * latest entry was signed, and the checkpoints' own dates (if a checkpoint made less than six
 * years ago did not yet reach the anchor's sequence, the row there was recorded after it).
 */
export function anchorProblems(anchor: ChainPoint, entries: SignedEntry[], now: Date): ChainProblem[] {
  const latest = entries[entries.length - 1];
  if (!latest) return [];
  const problems: ChainProblem[] = [];
  const signedAnchor = BigInt(latest.entry.anchorSequence);
  const at = (detail: string): ChainProblem => ({ kind: 'checkpoint', sequence: String(anchor.sequence), rowId: null, detail });
  if (anchor.sequence < signedAnchor) {
    problems.push(at(`the retention anchor is at ${anchor.sequence}, behind the ${signedAnchor} that ${signedBy(latest)} signed: it was moved back`));
    return problems;
  }
  if (anchor.sequence === signedAnchor) {
    if (anchor.hash.toString('hex') !== latest.entry.anchorHash) problems.push(at(`the retention anchor's hash is not the one ${signedBy(latest)} signed`));
    return problems;
  }
  const sameSequence = entries.filter((e) => BigInt(e.entry.sequence) === anchor.sequence);
  if (sameSequence.some((e) => e.entry.hash !== anchor.hash.toString('hex'))) {
    problems.push(at(`the retention anchor's hash is not the hash ${signedBy(sameSequence[0]!)} signed for sequence ${anchor.sequence}`));
  }
  const cutoff = yearsBefore(now, RETENTION_YEARS).getTime();
  if (latest.entry.oldestAt !== null && Date.parse(latest.entry.oldestAt) > cutoff) {
    problems.push(
      at(
        `the retention anchor was moved from ${signedAnchor} to ${anchor.sequence}, past row ${signedAnchor + 1n}, recorded ${latest.entry.oldestAt} ` +
          `(${signedBy(latest)}): retention drops only rows older than ${RETENTION_YEARS} years`,
      ),
    );
    return problems;
  }
  const before = [...entries].reverse().find((e) => BigInt(e.entry.sequence) < anchor.sequence);
  if (before && Date.parse(before.header.createdAt) > cutoff) {
    problems.push(
      at(
        `the retention anchor was moved to ${anchor.sequence}, past rows recorded after ${before.header.createdAt} ` +
          `(${signedBy(before)} had reached only sequence ${before.entry.sequence}): retention drops only rows older than ${RETENTION_YEARS} years`,
      ),
    );
  }
  return problems;
}

/**
 * The chain in the database against the latest signed entry, with the chain's stored hashes at
 * every signed sequence (from the walk): rewound (it no longer reaches the signed sequence),
 * rewritten (the row there hashes differently: every row up to it was re-hashed consistently,
 * which only a key outside the database shows), localised between the last checkpoint that
 * still matches and the first that does not.
 */
export function checkpointProblems(
  anchor: ChainPoint,
  lastLinked: bigint,
  hashes: ReadonlyMap<bigint, Buffer>,
  entries: SignedEntry[],
): ChainProblem[] {
  const latest = entries[entries.length - 1];
  if (!latest) return [];
  const signed = BigInt(latest.entry.sequence);
  if (signed <= anchor.sequence) return [];
  const stored = hashes.get(signed);
  if (!stored) {
    if (lastLinked >= signed) return [];
    return [
      {
        kind: 'checkpoint',
        sequence: String(lastLinked + 1n),
        lastSequence: String(signed),
        rowId: null,
        detail: `rewound: the chain reaches only sequence ${lastLinked}, but ${signedBy(latest)} signed it up to ${signed}`,
      },
    ];
  }
  if (stored.toString('hex') === latest.entry.hash) return [];
  // Newest signed sequence that still matches, and the oldest one above it that does not.
  const bySequence = new Map<bigint, SignedEntry>();
  for (const e of entries) if (BigInt(e.entry.sequence) > anchor.sequence) bySequence.set(BigInt(e.entry.sequence), e);
  const sequences = [...bySequence.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let good = anchor.sequence;
  let bad = signed;
  for (const sequence of sequences) {
    const hash = hashes.get(sequence);
    if (hash && hash.toString('hex') === bySequence.get(sequence)!.entry.hash) good = sequence;
    else if (sequence > good) {
      bad = sequence;
      break;
    }
  }
  const first = bySequence.get(bad)!;
  return [
    {
      kind: 'checkpoint',
      sequence: String(good + 1n),
      lastSequence: String(bad),
      rowId: null,
      detail:
        `rewritten: rows between sequences ${good + 1n} and ${bad} were changed and re-hashed; row ${bad} now hashes to ` +
        `${hashes.get(bad)?.toString('hex').slice(0, 16) ?? '(no row)'}..., ${signedBy(first)} signed ${first.entry.hash.slice(0, 16)}...`,
    },
  ];
}
