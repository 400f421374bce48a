import { createHash } from 'node:crypto';

/**
 * Merkle trees as Certificate Transparency defines them (RFC 6962 section 2.1; RFC 9162 section
 * 2.1): leaves hashed with a 0x00 prefix, inner nodes with 0x01, the tree split at the largest
 * power of two below its size. Used for the checkpoint's tree of chain entries and for each
 * chain's segment of rows, so that one event's inclusion in a signed checkpoint is shown by a
 * logarithmic audit path.
 */

const sha256 = (...parts: Buffer[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

export function leafHash(data: Buffer): Buffer {
  return sha256(Buffer.from([0]), data);
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return sha256(Buffer.from([1]), left, right);
}

/** Largest power of two strictly smaller than n (n >= 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over already-hashed leaves. */
function rootOfLeafHashes(leaves: Buffer[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 0) return sha256();
  if (n === 1) return leaves[from]!;
  const k = split(n);
  return nodeHash(rootOfLeafHashes(leaves, from, from + k), rootOfLeafHashes(leaves, from + k, to));
}

/** The Merkle Tree Hash of `data` (each item a leaf's data). */
export function merkleRoot(data: Buffer[]): Buffer {
  const leaves = data.map(leafHash);
  return rootOfLeafHashes(leaves, 0, leaves.length);
}

/** The audit path of leaf `index` (RFC 6962 PATH(m, D[n])), nearest sibling first. */
export function auditPath(data: Buffer[], index: number): Buffer[] {
  if (index < 0 || index >= data.length) throw new RangeError(`leaf ${index} is outside a tree of ${data.length}`);
  const leaves = data.map(leafHash);
  const path: Buffer[] = [];
  const walk = (m: number, from: number, to: number) => {
    const n = to - from;
    if (n <= 1) return;
    const k = split(n);
    if (m < k) {
      walk(m, from, from + k);
      path.push(rootOfLeafHashes(leaves, from + k, to));
    } else {
      walk(m - k, from + k, to);
      path.push(rootOfLeafHashes(leaves, from, from + k));
    }
  };
  walk(index, 0, leaves.length);
  return path;
}

/** Whether `data` is leaf `index` of a tree of `size` leaves with root `root` (RFC 9162 2.1.3.2). */
export function verifyInclusion(data: Buffer, index: number, size: number, path: Buffer[], root: Buffer): boolean {
  if (index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash(data);
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/**
 * The Merkle Tree Hash of a sequence of leaves fed one by one, in O(log n) memory: a chain's
 * segment can hold millions of rows. Keeps the perfect subtrees of the leaves so far (sizes
 * decreasing powers of two) and folds them right to left, which is exactly MTH's split.
 */
export class MerkleAccumulator {
  private readonly stack: { size: number; hash: Buffer }[] = [];
  private count = 0;

  add(data: Buffer): void {
    let node = { size: 1, hash: leafHash(data) };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.size === node.size) {
      const left = this.stack.pop()!;
      node = { size: left.size * 2, hash: nodeHash(left.hash, node.hash) };
    }
    this.stack.push(node);
    this.count++;
  }

  get size(): number {
    return this.count;
  }

  root(): Buffer {
    if (this.stack.length === 0) return sha256();
    let hash = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) hash = nodeHash(this.stack[i]!.hash, hash);
    return hash;
  }
}
