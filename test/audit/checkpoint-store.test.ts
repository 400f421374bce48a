import { createHash, generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CheckpointExistsError,
  DirectoryCheckpointStore,
  ObjectLockCheckpointStore,
  PrivateKeySigner,
  TrustedKeys,
  developmentSigner,
  loadCheckpointHistory,
} from '../../src/audit';
import type { CheckpointStore, WriteOnceObjectClient } from '../../src/audit';
import { ChainEntry, checkpointProblems, headerDigest, parseCheckpoint, serializeCheckpoint, signCheckpoint } from '../../src/audit/checkpoints/checkpoint-format';
import { checkpointName } from '../../src/audit/checkpoints/checkpoint-store';
import { MerkleAccumulator, auditPath, merkleRoot, verifyInclusion } from '../../src/audit/checkpoints/merkle';

/** Checkpoints without a database: the stores, the format, the signatures, the Merkle trees. */
describe('checkpoint stores, signatures and Merkle trees', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'foundation-checkpoints-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const entry = (chain: string, sequence: number): ChainEntry => ({
    log: 'user_action',
    chain,
    sequence: String(sequence),
    hash: createHash('sha256').update(`${chain}:${sequence}`).digest('hex'),
    anchorSequence: '0',
    anchorHash: '0'.repeat(64),
    segmentFrom: '1',
    segmentSize: String(sequence),
    segmentRoot: '1'.repeat(64),
    oldestAt: '2026-01-01T00:00:00.000000Z',
    signedIn: 1,
  });

  async function writeChain(store: CheckpointStore, signer: PrivateKeySigner, count: number, database = 'db'): Promise<void> {
    let previous: string | null = null;
    for (let n = 1; n <= count; n++) {
      const document = await signCheckpoint({ number: n, createdAt: new Date(Date.UTC(2026, 0, n)).toISOString(), database, previous }, [entry('a', n), entry('b', n * 2)], signer);
      await store.put(checkpointName(n), serializeCheckpoint(document));
      previous = headerDigest(document.header);
    }
  }

  const ed25519 = () => new PrivateKeySigner(generateKeyPairSync('ed25519').privateKey);

  it('the directory store never replaces a checkpoint (O_EXCL) and leaves it read-only', async () => {
    const store = new DirectoryCheckpointStore(path.join(work, 'store'));
    await store.put('checkpoint-000000000001.json', Buffer.from('first'));
    await expect(store.put('checkpoint-000000000001.json', Buffer.from('second'))).rejects.toBeInstanceOf(CheckpointExistsError);
    expect((await store.get('checkpoint-000000000001.json')).toString()).toBe('first');
    expect(statSync(path.join(work, 'store', 'checkpoint-000000000001.json')).mode & 0o777).toBe(0o444);
    writeFileSync(path.join(work, 'store', 'notes.txt'), 'not a checkpoint');
    expect(await store.list()).toEqual(['checkpoint-000000000001.json']);
    expect(await new DirectoryCheckpointStore(path.join(work, 'none')).list()).toEqual([]);
  });

  it('the object-lock store asks for a compliance-mode lock and turns "exists" into CheckpointExistsError', async () => {
    const objects = new Map<string, { body: Buffer; retainUntil: Date }>();
    const client: WriteOnceObjectClient = {
      async putIfAbsent(key, body, retainUntil) {
        if (objects.has(key)) return 'exists';
        objects.set(key, { body, retainUntil });
        return 'created';
      },
      async get(key) {
        return objects.get(key)!.body;
      },
      async list(prefix) {
        return [...objects.keys()].filter((key) => key.startsWith(prefix));
      },
    };
    const store = new ObjectLockCheckpointStore(client, 'audit/prod/', 7, () => new Date('2026-03-01T00:00:00Z'));
    const signer = ed25519();
    await writeChain(store, signer, 2);
    expect([...objects.keys()].sort()).toEqual(['audit/prod/checkpoint-000000000001.json', 'audit/prod/checkpoint-000000000002.json']);
    expect(objects.get('audit/prod/checkpoint-000000000001.json')!.retainUntil.toISOString()).toBe('2033-03-01T00:00:00.000Z');
    await expect(store.put('checkpoint-000000000001.json', Buffer.from('x'))).rejects.toBeInstanceOf(CheckpointExistsError);
    const history = await loadCheckpointHistory(store, TrustedKeys.fromPemTexts([signer.publicKeyPem]), 'db');
    expect(history.problems).toEqual([]);
    expect(history.latest?.header.number).toBe(2);
  });

  it('a signed checkpoint verifies; a changed entry, header or signature, or an untrusted key, does not', async () => {
    const signer = ed25519();
    const keys = TrustedKeys.fromPemTexts([signer.publicKeyPem]);
    const document = await signCheckpoint({ number: 1, createdAt: '2026-01-01T00:00:00.000Z', database: 'db', previous: null }, [entry('b', 2), entry('a', 1)], signer);
    expect(document.chains.map((e) => e.chain)).toEqual(['a', 'b']);
    expect(checkpointProblems(parseCheckpoint(serializeCheckpoint(document)), keys)).toEqual([]);
    const edited = parseCheckpoint(serializeCheckpoint(document));
    edited.chains[0]!.sequence = '99';
    expect(checkpointProblems(edited, keys)).toEqual(['its chain entries do not hash to the signed root']);
    const redated = parseCheckpoint(serializeCheckpoint(document));
    redated.header.createdAt = '2030-01-01T00:00:00.000Z';
    expect(checkpointProblems(redated, keys)).toEqual(['its signature is not valid']);
    const other = ed25519();
    expect(checkpointProblems(document, TrustedKeys.fromPemTexts([other.publicKeyPem]))).toEqual([`it is signed by ${signer.keyId}, which is not a trusted key`]);
  });

  it('ECDSA P-256 signers (as KMSs offer them, DER signatures) verify too', async () => {
    const signer = new PrivateKeySigner(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
    expect(signer.algorithm).toBe('ecdsa-p256-sha256');
    const document = await signCheckpoint({ number: 1, createdAt: '2026-01-01T00:00:00.000Z', database: 'db', previous: null }, [entry('a', 1)], signer);
    expect(checkpointProblems(document, TrustedKeys.fromPemTexts([signer.publicKeyPem]))).toEqual([]);
    expect(() => new PrivateKeySigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)).toThrow(/Ed25519 or ECDSA P-256, not rsa/);
  });

  it('history names a removed, replaced, forged or foreign checkpoint', async () => {
    const store = new DirectoryCheckpointStore(path.join(work, 'store'));
    const signer = ed25519();
    const keys = TrustedKeys.fromPemTexts([signer.publicKeyPem]);
    await writeChain(store, signer, 4);
    expect((await loadCheckpointHistory(store, keys, 'db')).problems).toEqual([]);

    // Removed (on storage that allowed it): the gap shows.
    const third = path.join(work, 'store', checkpointName(3));
    const saved = readFileSync(third);
    chmodSync(third, 0o644);
    rmSync(third);
    expect((await loadCheckpointHistory(store, keys, 'db')).problems).toEqual([`checkpoint 3 is missing from ${store.location}`]);

    // Replaced by one signed anew (the signer's key stolen): the next one's previous digest tells.
    const replacement = await signCheckpoint({ number: 3, createdAt: new Date(Date.UTC(2026, 0, 3)).toISOString(), database: 'db', previous: headerDigest(parseCheckpoint(await store.get(checkpointName(2))).header) }, [entry('a', 3)], signer);
    await store.put(checkpointName(3), serializeCheckpoint(replacement));
    expect((await loadCheckpointHistory(store, keys, 'db')).problems).toEqual([expect.stringMatching(/^checkpoint 4: its previous digest is not checkpoint 3's/)]);
    expect(saved.length).toBeGreaterThan(0);

    // Added by someone with their own key: not believed. (After the replacement above, 4 is not
    // believed either: which of 3 and 4 is the genuine one only the problems can tell a person.)
    const forger = ed25519();
    await store.put(checkpointName(5), serializeCheckpoint(await signCheckpoint({ number: 5, createdAt: '2027-01-01T00:00:00.000Z', database: 'db', previous: null }, [], forger)));
    const history = await loadCheckpointHistory(store, keys, 'db');
    expect(history.latest?.header.number).toBe(3);
    expect(history.highestNumber).toBe(5);
    expect(history.problems).toContain(`checkpoint 5: it is signed by ${forger.keyId}, which is not a trusted key`);

    // Another database's checkpoints are not this one's.
    expect((await loadCheckpointHistory(store, keys, 'other')).problems.filter((p) => p.includes('is a checkpoint of database db, not other'))).toHaveLength(5);
  });

  it('the development key is made once, readable by its owner only, and is Ed25519', () => {
    const dir = path.join(work, 'keys');
    const first = developmentSigner(dir);
    const again = developmentSigner(dir);
    expect(again.keyId).toBe(first.keyId);
    expect(first.algorithm).toBe('ed25519');
    expect(statSync(path.join(dir, 'checkpoint-dev-ed25519.pem')).mode & 0o777).toBe(0o600);
    expect(TrustedKeys.fromPaths([dir]).ids).toEqual([first.keyId]);
  });

  it('Merkle trees follow RFC 6962: the empty tree, leaf and node prefixes, and every audit path checks out', () => {
    const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
    expect(merkleRoot([]).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const leaves = Array.from({ length: 7 }, (_, i) => Buffer.from(`leaf ${i}`));
    const leaf = (d: Buffer) => sha(Buffer.from([0]), d);
    const node = (l: Buffer, r: Buffer) => sha(Buffer.from([1]), l, r);
    const four = node(node(leaf(leaves[0]!), leaf(leaves[1]!)), node(leaf(leaves[2]!), leaf(leaves[3]!)));
    const three = node(node(leaf(leaves[4]!), leaf(leaves[5]!)), leaf(leaves[6]!));
    expect(merkleRoot(leaves).equals(node(four, three))).toBe(true);
    for (let size = 1; size <= 33; size++) {
      const data = Array.from({ length: size }, (_, i) => Buffer.from(`item ${i}`));
      const root = merkleRoot(data);
      const accumulator = new MerkleAccumulator();
      data.forEach((d) => accumulator.add(d));
      expect(accumulator.root().equals(root)).toBe(true);
      for (let index = 0; index < size; index++) {
        const proof = auditPath(data, index);
        expect(verifyInclusion(data[index]!, index, size, proof, root)).toBe(true);
        expect(verifyInclusion(Buffer.from('other'), index, size, proof, root)).toBe(false);
        if (size > 1) expect(verifyInclusion(data[index]!, (index + 1) % size, size, proof, root)).toBe(false);
      }
    }
  });
});
