/**
 * Walks one hash chain and names every problem it finds, each at the right row with its reason.
 * Pure: the rows come in (from the database, already hashed in Node by computeRowHash), the
 * problems go out. Streaming: it holds one sequence ahead (for forward links) and a window of
 * recent row hashes (for reordered rows), never the whole chain.
 *
 * How each problem is told from the others, for a row R at sequence s:
 * - changed:   R's contents no longer hash to its stored row_hash; or the row before R was
 *              edited and its hash recomputed, so R (which the chain goes on through) still
 *              links to the old hash;
 * - missing:   no row at s (consecutive sequences are one problem with a last sequence);
 * - forged:    a second row at s that the chain does not pass through, or a row that links to no
 *              row of the chain while no row links to it (an inserted row is named, not the
 *              intact row before it);
 * - reordered: R links to the row at another sequence than s - 1 (and its contents hash to its
 *              stored hash at the position it came from);
 * - head:      the chain head disagrees with the rows (gone, behind the rows, or another hash);
 * - anchor:    rows at or below the retention anchor are still stored (the anchor was moved
 *              past rows that retention never dropped).
 */

export type ChainProblemKind = 'changed' | 'missing' | 'forged' | 'reordered' | 'head' | 'anchor' | 'checkpoint';

export interface ChainProblem {
  kind: ChainProblemKind;
  /** First sequence the problem concerns (a decimal string: sequences are bigints). */
  sequence: string;
  /** Last sequence, for a range (missing rows, a rewritten stretch). */
  lastSequence?: string;
  /** The row concerned; null when it is absent (missing) or the problem is not one row's. */
  rowId: string | null;
  detail: string;
}

/** One stored row, hashed outside the database. */
export interface WalkedRow {
  sequence: bigint;
  id: string;
  previousHash: Buffer;
  rowHash: Buffer;
  /** Whether the row's contents hash to its stored row_hash at its stored sequence. */
  contentMatches: boolean;
  /** Whether its contents, with `sequence` written in place of its own, hash to its stored row_hash. */
  matchesAt(sequence: bigint): boolean;
}

export interface ChainPoint {
  sequence: bigint;
  hash: Buffer;
}

export interface ChainWalkOptions {
  /**
   * What the start point is, for the first row's link: the retention anchor (the default), or
   * the last sequence a signed checkpoint covers (`checkpoint N`).
   */
  startLabel?: string;
  /** Sequences at which to remember the chain's stored hash (checkpoint comparisons). */
  watch?: ReadonlySet<bigint>;
  /** Called for each row the chain passes through, in order (Merkle segments of checkpoints). */
  onLinked?: (row: WalkedRow) => void;
  /** How many recent row hashes to keep for recognising reordered rows. */
  lookBack?: number;
}

export interface ChainWalkResult {
  problems: ChainProblem[];
  /** Rows read above the start. */
  rows: number;
  /** Highest sequence the chain passes through, or the start. */
  lastSequence: bigint;
  /** The stored hash of the row the chain passes through, at each watched sequence that has one. */
  hashes: Map<bigint, Buffer>;
}

const hex = (buffer: Buffer) => buffer.toString('hex');

export class ChainWalker {
  private readonly problems: ChainProblem[] = [];
  private readonly hashes = new Map<bigint, Buffer>();
  private readonly recent = new Map<string, bigint>();
  private readonly lookBack: number;
  private groups: WalkedRow[][] = [];
  private expected: bigint;
  private previousHash: Buffer | null;
  private previousRow: WalkedRow | null = null;
  private changedReported = new Set<string>();
  private reorderedHashes = new Set<string>();
  private last: ChainPoint;
  private rows = 0;
  private below = { count: 0, first: 0n, last: 0n };

  constructor(
    private readonly start: ChainPoint,
    private readonly head: ChainPoint | null,
    private readonly options: ChainWalkOptions = {},
  ) {
    this.expected = start.sequence + 1n;
    this.previousHash = start.hash;
    this.last = start;
    this.lookBack = options.lookBack ?? 100_000;
  }

  /** Rows must come in (sequence, id) order. */
  push(row: WalkedRow): void {
    if (row.sequence <= this.start.sequence) {
      this.below = {
        count: this.below.count + 1,
        first: this.below.count === 0 ? row.sequence : this.below.first,
        last: row.sequence,
      };
      return;
    }
    this.rows++;
    const current = this.groups[this.groups.length - 1];
    if (current && current[0]!.sequence === row.sequence) {
      current.push(row);
      return;
    }
    this.groups.push([row]);
    if (this.groups.length === 2) this.process(this.groups.shift()!, this.groups[0]!);
  }

  finish(): ChainWalkResult {
    while (this.groups.length > 0) this.process(this.groups.shift()!, this.groups[0] ?? null);
    const head = this.head;
    if (head === null) {
      if (this.rows > 0) this.add({ kind: 'head', sequence: String(this.start.sequence + 1n), rowId: null, detail: 'the chain head is gone while the chain has rows' });
    } else {
      if (this.expected <= head.sequence) this.missing(this.expected, head.sequence);
      if (this.last.sequence > head.sequence) {
        this.add({
          kind: 'head',
          sequence: String(head.sequence + 1n),
          lastSequence: String(this.last.sequence),
          rowId: null,
          detail: `the chain head says ${head.sequence}, but linked rows continue to ${this.last.sequence} (the head was moved back)`,
        });
      }
      const atHead = this.hashes.get(head.sequence) ?? (this.last.sequence === head.sequence ? this.last.hash : undefined);
      // At the start itself (nothing recorded since, or everything dropped by retention), the
      // head must still hold the start's hash.
      if (atHead && !atHead.equals(head.hash)) {
        const what = head.sequence === this.start.sequence ? `the one ${this.options.startLabel ?? 'the retention anchor'} holds` : `the hash of row ${head.sequence}`;
        this.add({ kind: 'head', sequence: String(head.sequence), rowId: null, detail: `the chain head's hash at sequence ${head.sequence} is not ${what}` });
      }
    }
    if (this.below.count > 0) {
      this.add({
        kind: 'anchor',
        sequence: String(this.below.first),
        lastSequence: String(this.below.last),
        rowId: null,
        detail: `${this.below.count} row(s) at or below the retention anchor (${this.start.sequence}) are still stored: the anchor was moved past rows retention never dropped`,
      });
    }
    this.problems.sort((a, b) => (BigInt(a.sequence) < BigInt(b.sequence) ? -1 : BigInt(a.sequence) > BigInt(b.sequence) ? 1 : 0));
    return { problems: this.problems, rows: this.rows, lastSequence: this.last.sequence, hashes: this.hashes };
  }

  private process(group: WalkedRow[], next: WalkedRow[] | null): void {
    const sequence = group[0]!.sequence;
    if (sequence > this.expected) {
      this.missing(this.expected, sequence - 1n);
      this.previousHash = null;
      this.previousRow = null;
    }
    this.expected = sequence + 1n;
    const nextRows = next && next[0]!.sequence === sequence + 1n ? next : [];
    const linkedFrom = new Set(nextRows.map((row) => hex(row.previousHash)));
    const headHash = this.head && this.head.sequence === sequence ? hex(this.head.hash) : null;
    const forward = (row: WalkedRow) => linkedFrom.has(hex(row.rowHash)) || headHash === hex(row.rowHash);
    const back = (row: WalkedRow) => this.previousHash !== null && row.previousHash.equals(this.previousHash);
    const score = (row: WalkedRow) => (back(row) ? 4 : 0) + (forward(row) ? 2 : 0) + (row.contentMatches ? 1 : 0);
    const chosen = group.reduce((best, row) => (score(row) > score(best) ? row : best));

    for (const other of group) {
      if (other === chosen) continue;
      this.add({ kind: 'forged', sequence: String(sequence), rowId: other.id, detail: 'a second row at this sequence, which the chain does not pass through' });
    }

    if (this.previousHash !== null && !back(chosen)) {
      const target = this.recent.get(hex(chosen.previousHash)) ?? (nextRows.some((row) => row.rowHash.equals(chosen.previousHash)) ? sequence + 1n : undefined);
      if (target !== undefined && target !== sequence - 1n) {
        // A row at its own place that links to a row moved away: the move is already reported.
        if (chosen.contentMatches && this.reorderedHashes.has(hex(chosen.previousHash))) {
          this.accept(chosen);
          return;
        }
        this.reorderedHashes.add(hex(chosen.rowHash));
        // Where it was recorded: one after the row it links to, wherever that row is now (it may
        // have been moved too, as in a swap).
        const origin = [target + 1n, target, target + 2n, target - 1n].find((candidate) => candidate > 0n && chosen.matchesAt(candidate));
        this.add({
          kind: 'reordered',
          sequence: String(sequence),
          rowId: chosen.id,
          detail: `links to the row at sequence ${target}, not ${sequence - 1n}` + (origin !== undefined ? ` (it was recorded at sequence ${origin})` : '; its contents were changed too'),
        });
        this.accept(chosen);
        return;
      }
      if (this.previousRow === null && this.previousHash === this.start.hash) {
        // The first row after the start does not link to it: the start (anchor or checkpoint)
        // is where the chain was rewritten or re-anchored, not this row's neighbour.
        const label = this.options.startLabel ?? 'the retention anchor';
        this.add({
          kind: label.startsWith('checkpoint') ? 'checkpoint' : 'anchor',
          sequence: String(sequence),
          rowId: chosen.id,
          detail: `does not link to the hash of ${label} at sequence ${this.start.sequence}`,
        });
        if (!chosen.contentMatches) this.changed(chosen, 'its contents no longer match its hash');
        this.accept(chosen);
        return;
      }
      if (forward(chosen) && this.previousRow && this.previousRow.contentMatches) {
        this.changed(this.previousRow, 'edited and re-hashed: the next row still links to its original hash');
        if (!chosen.contentMatches) this.changed(chosen, 'its contents no longer match its hash');
        this.accept(chosen);
        return;
      }
      this.add({ kind: 'forged', sequence: String(sequence), rowId: chosen.id, detail: 'links to no row of the chain, and no row links to it' });
      // An inserted row takes no place in the chain; if the head says the chain reaches this far,
      // the row that belonged here is gone.
      if (this.head && sequence <= this.head.sequence) this.missing(sequence, sequence);
      this.previousHash = null;
      this.previousRow = null;
      return;
    }
    if (!chosen.contentMatches) this.changed(chosen, 'its contents no longer match its hash');
    this.accept(chosen);
  }

  private accept(row: WalkedRow): void {
    this.previousHash = row.rowHash;
    this.previousRow = row;
    this.last = { sequence: row.sequence, hash: row.rowHash };
    this.recent.set(hex(row.rowHash), row.sequence);
    if (this.recent.size > this.lookBack) this.recent.delete(this.recent.keys().next().value!);
    if (this.options.watch?.has(row.sequence)) this.hashes.set(row.sequence, row.rowHash);
    this.options.onLinked?.(row);
  }

  private changed(row: WalkedRow, detail: string): void {
    if (this.changedReported.has(row.id)) return;
    this.changedReported.add(row.id);
    this.add({ kind: 'changed', sequence: String(row.sequence), rowId: row.id, detail });
  }

  private missing(first: bigint, last: bigint): void {
    const previous = this.problems[this.problems.length - 1];
    if (previous?.kind === 'missing' && BigInt(previous.lastSequence ?? previous.sequence) + 1n === first) {
      previous.lastSequence = String(last);
      previous.detail = missingDetail(BigInt(previous.sequence), last);
      return;
    }
    this.add({ kind: 'missing', sequence: String(first), ...(last > first ? { lastSequence: String(last) } : {}), rowId: null, detail: missingDetail(first, last) });
  }

  private add(problem: ChainProblem): void {
    this.problems.push(problem);
  }
}

function missingDetail(first: bigint, last: bigint): string {
  return last > first ? `no rows at sequences ${first} to ${last} (${last - first + 1n} rows)` : `no row at sequence ${first}`;
}
